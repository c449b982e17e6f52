using System.Globalization;
using System.Text;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;

namespace DeepNet.Training;

/// <summary>
/// The per-epoch record of a <see cref="Trainer.Fit"/> run (Keras' History): metrics by epoch,
/// why training ended early if it did, and writers for a CSV table and an SVG plot.
/// </summary>
public sealed class History
{
    private readonly List<EpochMetrics> _epochs = [];

    /// <summary>One entry per completed epoch, in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs => _epochs;

    /// <summary>The last completed epoch, or null when none completed.</summary>
    public EpochMetrics? Last => _epochs.Count == 0 ? null : _epochs[^1];

    /// <summary>True when Ctrl+C (or <see cref="Trainer.RequestStop"/> during an epoch) cut an epoch short; that epoch is not recorded.</summary>
    public bool Interrupted { get; internal set; }

    /// <summary>Why training stopped before the requested epochs (early stopping, interruption, a NaN/Inf loss); null when it ran them all.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>The values of one metric by epoch (Keras' <c>history.history["loss"]</c>); null entries where it was not measured.</summary>
    public double?[] this[string metric] => _epochs.Select(e => e.Get(metric)).ToArray();

    /// <summary>Warnings Fit printed (a Softmax before CrossEntropyLoss, a NaN loss with TerminateOnNaN off, a skipped step).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    private readonly List<string> _warnings = [];

    internal void Add(EpochMetrics metrics) => _epochs.Add(metrics);

    internal void AddWarning(string warning) => _warnings.Add(warning);

    /// <summary>
    /// The table as CSV: epoch, loss, accuracy, val_loss, val_accuracy, time_s, lr, then the
    /// trainer's metrics ("precision", "val_precision", ...); empty cells where a value was not measured.
    /// </summary>
    public string ToCsv()
    {
        var extra = _epochs.SelectMany(e => e.Values.Keys).Distinct().ToList();
        var sb = new StringBuilder("epoch,loss,accuracy,val_loss,val_accuracy,time_s,lr");
        foreach (string name in extra) sb.Append(',').Append(name);
        sb.Append('\n');
        foreach (var e in _epochs)
        {
            string[] cells = [e.Epoch.ToString(CultureInfo.InvariantCulture), Cell(e.Loss), Cell(e.Accuracy),
                Cell(e.ValLoss), Cell(e.ValAccuracy), Cell(e.Seconds), Cell(e.LearningRate),
                .. extra.Select(name => Cell(e.Values.TryGetValue(name, out double v) ? v : null))];
            sb.Append(string.Join(',', cells)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Cell(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> atomically, creating its folder.</summary>
    public void WriteCsv(string path)
    {
        CreateFolderOf(path);
        byte[] bytes = Encoding.UTF8.GetBytes(ToCsv());
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>
    /// The history as an SVG line chart: loss per epoch on the left axis, accuracy on the right,
    /// validation lines dashed with hollow markers, the legend outside the plot area. An empty
    /// history gives empty axes and the message "no epochs recorded".
    /// </summary>
    public string ToSvg(string title = "Training history", int width = 900, int height = 540) =>
        HistoryPlot.ToSvg(this, title, width, height);

    /// <summary>Writes <see cref="ToSvg"/> to <paramref name="path"/>, a .svg file, atomically, creating its folder.</summary>
    public void SavePlot(string path, string title = "Training history", int width = 900, int height = 540)
    {
        if (!string.Equals(Path.GetExtension(path), ".svg", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"history plot: the chart is SVG, so the path must end in .svg, got '{path}'", nameof(path));
        CreateFolderOf(path);
        HistoryPlot.Save(this, path, title, width, height);
    }

    private static void CreateFolderOf(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
    }
}
