namespace DeepNet.Optimizers.Schedules;

/// <summary>
/// A learning-rate schedule, as torch.optim.lr_scheduler: a closed form lr(epoch) of the
/// optimizer's base rate. Constructing a schedule sets the rate for epoch 0; each
/// <see cref="Step"/> (once per epoch or per batch, as you choose) advances the epoch and sets
/// <see cref="Optimizer.LearningRate"/>. The base rate is the optimizer's rate when the first
/// schedule was attached (<see cref="Optimizer.InitialLearningRate"/>), so schedules can be combined.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Attaches to <paramref name="optimizer"/>; call <see cref="Start"/> at the end of the derived constructor.</summary>
    protected LearningRateSchedule(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        optimizer.InitialLearningRate ??= optimizer.LearningRate;
        BaseLearningRate = optimizer.InitialLearningRate.Value;
    }

    /// <summary>The optimizer whose learning rate this schedule sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The rate the closed form scales (lr at epoch 0 for most schedules).</summary>
    public double BaseLearningRate { get; }

    /// <summary>Number of <see cref="Step"/> calls so far; setting it jumps there (to resume training).</summary>
    public long Epoch
    {
        get;
        set
        {
            if (value < 0)
                throw new ArgumentException($"{GetType().Name}: epoch must be >= 0, got {value}");
            field = value;
            Optimizer.LearningRate = LearningRateAt(value);
        }
    }

    /// <summary>Advances one epoch and updates the optimizer's learning rate.</summary>
    public void Step() => Epoch++;

    /// <summary>The learning rate this schedule gives at <paramref name="epoch"/> (≥ 0).</summary>
    public abstract double LearningRateAt(long epoch);

    /// <summary>Sets the optimizer's rate for epoch 0 (after the derived constructor has its fields).</summary>
    protected void Start() => Epoch = 0;
}
