namespace DeepNet.Optimizers.Schedules;

/// <summary>As torch.optim.lr_scheduler.StepLR: lr = base · γ^⌊epoch / stepSize⌋.</summary>
public sealed class StepLR : LearningRateSchedule
{
    /// <summary>Decays the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        if (stepSize <= 0)
            throw new ArgumentException($"StepLR: step size must be > 0, got {stepSize}");
        StepSize = stepSize;
        Gamma = gamma;
        Start();
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>Multiplicative decay per period.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override double LearningRateAt(long epoch) => BaseLearningRate * Math.Pow(Gamma, epoch / StepSize);
}
