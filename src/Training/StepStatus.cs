using System.Globalization;
using DeepNet.Layers.Losses;

namespace DeepNet.Training;

/// <summary>Where an epoch stands after a batch: running means and throughput, for the progress display.</summary>
internal readonly record struct StepStatus(int Batch, int Batches, long Samples, double Loss, double? Accuracy, TimeSpan Elapsed)
{
    public double SamplesPerSecond => Samples / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Time left in the epoch at the mean pace so far.</summary>
    public TimeSpan Eta => Batch == 0 ? TimeSpan.Zero : Elapsed / Batch * (Batches - Batch);

    /// <summary>"loss: 0.1234 - accuracy: 0.9650 - 2510 samples/s".</summary>
    public string Stats()
    {
        string acc = Accuracy is { } a ? $" - accuracy: {a.ToString("F4", CultureInfo.InvariantCulture)}" : "";
        return $"loss: {Loss.ToString("F4", CultureInfo.InvariantCulture)}{acc} - {SamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture)} samples/s";
    }

    public static string FormatTime(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
