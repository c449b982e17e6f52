using System.CommandLine;

namespace DeepNet.Samples;

/// <summary>
/// The seven options every sample takes (--epochs --batch-size --lr --device --data --seed --out),
/// written once with each sample's defaults and help texts; samples add their own on top.
/// </summary>
internal sealed class StandardOptions
{
    public StandardOptions(int epochs, int batchSize, double learningRate, string? outDir,
        string epochsHelp, string batchHelp, string learningRateHelp, string seedHelp,
        string dataHelp = "Dataset cache folder (default: DEEPNET_DATA or ~/.cache/deepnet)",
        string outHelp = "Where the model, plot and history go")
    {
        Epochs = new Option<int>("--epochs") { Description = epochsHelp, DefaultValueFactory = _ => epochs };
        BatchSize = new Option<int>("--batch-size") { Description = batchHelp, DefaultValueFactory = _ => batchSize };
        LearningRate = new Option<double>("--lr") { Description = learningRateHelp, DefaultValueFactory = _ => learningRate };
        Device = new Option<string>("--device") { Description = "cpu, cuda or auto (auto honours DEEPNET_DEVICE)", DefaultValueFactory = _ => "auto" };
        Device.AcceptOnlyFromAmong("cpu", "cuda", "auto");
        Data = new Option<string?>("--data") { Description = dataHelp };
        Seed = new Option<ulong>("--seed") { Description = seedHelp, DefaultValueFactory = _ => 42 };
        Out = outDir is null
            ? new Option<string?>("--out") { Description = outHelp }
            : new Option<string?>("--out") { Description = outHelp, DefaultValueFactory = _ => outDir };
    }

    public Option<int> Epochs { get; }
    public Option<int> BatchSize { get; }
    public Option<double> LearningRate { get; }
    public Option<string> Device { get; }
    public Option<string?> Data { get; }
    public Option<ulong> Seed { get; }
    public Option<string?> Out { get; }

    /// <summary>Adds the seven options to <paramref name="command"/> and returns it.</summary>
    public RootCommand AddTo(RootCommand command)
    {
        foreach (Option option in new Option[] { Epochs, BatchSize, LearningRate, Device, Data, Seed, Out }) command.Options.Add(option);
        return command;
    }

    /// <summary>Seconds per epoch formatted with <paramref name="format"/>, or "n/a" when no epoch ran (--epochs 0, Ctrl+C in the first).</summary>
    public static string PerEpoch(double seconds, int epochs, string format) =>
        epochs <= 0 ? "n/a" : (seconds / epochs).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
