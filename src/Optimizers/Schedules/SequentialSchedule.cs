namespace DeepNet.Optimizers.Schedules;

/// <summary>
/// Runs schedules one after another, as torch.optim.lr_scheduler.SequentialLR: schedule i is
/// used from milestone i−1 to milestone i, each restarted at its own epoch 0 (so warmup then
/// cosine is <c>new SequentialSchedule(opt, [new LinearWarmup(opt, 100), new CosineAnnealingLR(opt, 900)], [100])</c>).
/// </summary>
public sealed class SequentialSchedule : LearningRateSchedule
{
    private readonly LearningRateSchedule[] _schedules;
    private readonly long[] _milestones;

    /// <summary>Chains <paramref name="schedules"/> (all on this optimizer) at increasing <paramref name="milestones"/> (one fewer).</summary>
    public SequentialSchedule(Optimizer optimizer, IReadOnlyList<LearningRateSchedule> schedules, IReadOnlyList<long> milestones)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedules.Count == 0 || milestones.Count != schedules.Count - 1)
            throw new ArgumentException($"SequentialSchedule: expected one milestone fewer than schedules, got {schedules.Count} schedules and {milestones.Count} milestones");
        if (schedules.Any(s => s.Optimizer != optimizer))
            throw new ArgumentException("SequentialSchedule: every schedule must drive the same optimizer");
        for (int i = 0; i < milestones.Count; i++)
        {
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
                throw new ArgumentException($"SequentialSchedule: milestones must be positive and increasing, got [{string.Join(", ", milestones)}]");
        }

        _schedules = [.. schedules];
        _milestones = [.. milestones];
        Start();
    }

    /// <inheritdoc />
    public override double LearningRateAt(long epoch)
    {
        int i = 0;
        while (i < _milestones.Length && epoch >= _milestones[i])
            i++;
        return _schedules[i].LearningRateAt(i == 0 ? epoch : epoch - _milestones[i - 1]);
    }
}
