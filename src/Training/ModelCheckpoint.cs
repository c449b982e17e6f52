using System.Globalization;

namespace DeepNet.Training;

/// <summary>
/// Saves the model's weights as safetensors after an epoch (Keras' ModelCheckpoint): by default
/// only when <see cref="Monitor"/> improves, so the file always holds the best epoch so far. The
/// file is written to a temporary name and renamed, so a crash or Ctrl+C never leaves a torn one.
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    private MonitoredMetric _metric;

    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        Monitor = monitor;
        SaveBestOnly = saveBestOnly;
        _metric = new MonitoredMetric(monitor, 0);
    }

    /// <summary>The safetensors file written.</summary>
    public string Path { get; }
    public string Monitor { get; }
    public bool SaveBestOnly { get; }

    /// <summary>The epoch whose weights the file holds; 0 before the first save.</summary>
    public int SavedEpoch { get; private set; }

    public override void OnTrainBegin(TrainingContext context)
    {
        _metric = new MonitoredMetric(Monitor, 0);
        if (SaveBestOnly) _metric.Check(context, "model_checkpoint");
        SavedEpoch = 0;
    }

    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        if (SaveBestOnly && !_metric.Improve(_metric.ValueOf(metrics, "model_checkpoint"), metrics.Epoch)) return;
        var metadata = new Dictionary<string, string>
        {
            ["epoch"] = metrics.Epoch.ToString(CultureInfo.InvariantCulture),
            ["monitor"] = Monitor,
        };
        if (metrics.Get(Monitor) is { } value) metadata[Monitor] = value.ToString("R", CultureInfo.InvariantCulture);
        // Ranks hold the same weights and reduced metrics: one writer, so no two processes race on the file.
        if (context.IsPrimary) WeightsSnapshot.Capture(context.Model).Save(Path, metadata);
        SavedEpoch = metrics.Epoch;
    }
}
