namespace DeepNet.Optimizers.Schedules;

/// <summary>
/// As torch.optim.lr_scheduler.CosineAnnealingLR (its closed form):
/// lr = η_min + (base − η_min) · (1 + cos(π · epoch / T_max)) / 2; past T_max the cosine continues.
/// </summary>
public sealed class CosineAnnealingLR : LearningRateSchedule
{
    /// <summary>Anneals from the base rate to <paramref name="etaMin"/> over <paramref name="tMax"/> epochs.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        if (tMax <= 0)
            throw new ArgumentException($"CosineAnnealingLR: T_max must be > 0, got {tMax}");
        TMax = tMax;
        EtaMin = etaMin;
        Start();
    }

    /// <summary>Epochs from the base rate down to η_min.</summary>
    public int TMax { get; }

    /// <summary>The minimum learning rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc />
    public override double LearningRateAt(long epoch) =>
        EtaMin + (BaseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2;
}
