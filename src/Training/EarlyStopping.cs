using DeepNet.Autograd;

namespace DeepNet.Training;

/// <summary>
/// Stops training when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/>
/// for <see cref="Patience"/> epochs in a row (Keras' EarlyStopping). Accuracy metrics must rise,
/// losses fall. With <see cref="RestoreBestWeights"/> the model ends with the weights of its best
/// epoch.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private MonitoredMetric _metric;
    private WeightsSnapshot? _best;
    private int _wait;

    public EarlyStopping(string monitor = "val_loss", int patience = 0, double minDelta = 0, bool restoreBestWeights = false)
    {
        if (patience < 0) throw new ArgumentException($"early_stopping: patience must be >= 0, got {patience}");
        if (!(minDelta >= 0)) throw new ArgumentException($"early_stopping: min_delta must be >= 0, got {minDelta}");
        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
        RestoreBestWeights = restoreBestWeights;
        _metric = new MonitoredMetric(monitor, minDelta);
    }

    public string Monitor { get; }
    public int Patience { get; }
    public double MinDelta { get; }
    public bool RestoreBestWeights { get; }

    /// <summary>The epoch training was stopped after, or 0 when it was not stopped.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The epoch with the best monitored value so far.</summary>
    public int BestEpoch => _metric.BestEpoch;

    public override void OnTrainBegin(TrainingContext context)
    {
        _metric = new MonitoredMetric(Monitor, MinDelta);
        _metric.Check(context, "early_stopping");
        _best = null;
        _wait = 0;
        StoppedEpoch = 0;
    }

    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        double value = _metric.ValueOf(metrics, "early_stopping");
        if (_metric.Improve(value, metrics.Epoch))
        {
            _wait = 0;
            if (RestoreBestWeights) _best = WeightsSnapshot.Capture(context.Model);
            return;
        }
        if (++_wait < Math.Max(Patience, 1)) return;  // Keras: stop after `patience` epochs without improvement
        StoppedEpoch = metrics.Epoch;
        context.StopTraining = true;
        context.StopReason = $"early stopping: {Monitor} did not improve for {_wait} epochs (best {_metric.Best:F4} at epoch {_metric.BestEpoch})";
    }

    public override void OnTrainEnd(TrainingContext context)
    {
        var last = context.History.Last;
        if (_best is null || last is null || last.Epoch == _metric.BestEpoch) return;
        _best.Restore(context.Model);
        context.Log($"early stopping: restored the weights of epoch {_metric.BestEpoch} ({Monitor} {_metric.Best:F4})");
    }
}
