using System.Globalization;

namespace DeepNet.Distributed.Worker;

/// <summary>The worker's command line: "train" then --name value pairs.</summary>
internal sealed record Options(string Model, int Steps, int Batch, string? Out, string Fault, int FaultRank, int FaultStep,
    double Timeout, int HiddenOnRank1, long BucketCapBytes)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 1; i + 1 < args.Length; i += 2) values[args[i].TrimStart('-')] = args[i + 1];
        string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Options(Get("model", "mlp"), Int("steps", 20), Int("batch", 16), values.GetValueOrDefault("out"),
            Get("fault", "none"), Int("fault-rank", 1), Int("fault-step", 3),
            double.Parse(Get("timeout", "60"), CultureInfo.InvariantCulture), Int("hidden-on-rank1", 0),
            long.Parse(Get("bucket-cap", "4096"), CultureInfo.InvariantCulture));
    }
}
