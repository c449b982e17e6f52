namespace DeepNet.Training;

/// <summary>
/// Multiplies the optimizer's learning rate by <see cref="Factor"/> when <see cref="Monitor"/> has
/// not improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs (Keras'
/// ReduceLROnPlateau, torch's ReduceLROnPlateau): then waits <see cref="Cooldown"/> epochs before
/// counting again, and never goes below <see cref="MinLearningRate"/>. Accuracy-like metrics must rise, losses fall.
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private MonitoredMetric _metric;
    private int _wait;
    private int _cooldownLeft;

    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10,
        double minDelta = 1e-4, int cooldown = 0, double minLearningRate = 0)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentException($"reduce_lr_on_plateau: factor must be in (0, 1), got {factor}");
        if (patience < 0) throw new ArgumentException($"reduce_lr_on_plateau: patience must be >= 0, got {patience}");
        if (cooldown < 0) throw new ArgumentException($"reduce_lr_on_plateau: cooldown must be >= 0, got {cooldown}");
        if (!(minDelta >= 0)) throw new ArgumentException($"reduce_lr_on_plateau: min_delta must be >= 0, got {minDelta}");
        if (!(minLearningRate >= 0)) throw new ArgumentException($"reduce_lr_on_plateau: min_lr must be >= 0, got {minLearningRate}");
        Monitor = monitor;
        Factor = factor;
        Patience = patience;
        MinDelta = minDelta;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        _metric = new MonitoredMetric(monitor, minDelta);
    }

    public string Monitor { get; }
    public double Factor { get; }
    public int Patience { get; }
    public double MinDelta { get; }
    public int Cooldown { get; }
    public double MinLearningRate { get; }

    /// <summary>The epochs after which the rate was reduced.</summary>
    public IList<int> ReducedAt { get; } = new List<int>();

    public override void OnTrainBegin(TrainingContext context)
    {
        _metric = new MonitoredMetric(Monitor, MinDelta);
        _metric.Check(context, "reduce_lr_on_plateau");
        _wait = 0;
        _cooldownLeft = 0;
        ReducedAt.Clear();
    }

    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        double value = _metric.ValueOf(metrics, "reduce_lr_on_plateau");
        if (_cooldownLeft > 0)
        {
            _cooldownLeft--;
            _wait = 0;
        }
        if (_metric.Improve(value, metrics.Epoch))
        {
            _wait = 0;
            return;
        }
        if (_cooldownLeft > 0 || ++_wait < Patience) return;
        double old = context.Optimizer.LearningRate;
        if (old <= MinLearningRate) return;
        double next = Math.Max(old * Factor, MinLearningRate);
        context.Optimizer.LearningRate = next;
        ReducedAt.Add(metrics.Epoch);
        context.Log($"reduce_lr_on_plateau: {Monitor} did not improve for {_wait} epochs; learning rate {old:G4} -> {next:G4}");
        _cooldownLeft = Cooldown;
        _wait = 0;
    }
}
