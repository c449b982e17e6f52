namespace DeepNet.Optimizers.Schedules;

/// <summary>
/// Linear warmup, as torch.optim.lr_scheduler.LinearLR(start_factor, 1.0, total_iters = warmupSteps):
/// lr = base · (s + (1 − s) · min(epoch, warmupSteps) / warmupSteps), then the base rate.
/// With the default s = 0 the first step uses lr = 0, as Hugging Face's linear warmup does.
/// </summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    /// <summary>Ramps from <paramref name="startFactor"/>·base to base over <paramref name="warmupSteps"/> steps.</summary>
    public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor = 0)
        : base(optimizer)
    {
        if (warmupSteps <= 0)
            throw new ArgumentException($"LinearWarmup: warmup steps must be > 0, got {warmupSteps}");
        if (!(startFactor >= 0 && startFactor <= 1))
            throw new ArgumentException($"LinearWarmup: start factor must be in [0, 1], got {startFactor}");
        WarmupSteps = warmupSteps;
        StartFactor = startFactor;
        Start();
    }

    /// <summary>Steps until the base rate is reached.</summary>
    public int WarmupSteps { get; }

    /// <summary>Fraction of the base rate at epoch 0.</summary>
    public double StartFactor { get; }

    /// <inheritdoc />
    public override double LearningRateAt(long epoch) =>
        BaseLearningRate * (StartFactor + (1 - StartFactor) * Math.Min(epoch, WarmupSteps) / WarmupSteps);
}
