using DeepNet.Optimizers;
using DeepNet.Optimizers.Schedules;
using DeepNet.Training;

/// <summary>
/// Hugging Face's get_linear_schedule_with_warmup: lr rises linearly from 0 over the warmup steps,
/// then falls linearly to 0 at the last step. Stepped once per batch by <see cref="EveryBatch"/>.
/// </summary>
internal sealed class WarmupLinearDecay : LearningRateSchedule
{
    public WarmupLinearDecay(Optimizer optimizer, int warmupSteps, int totalSteps)
        : base(optimizer)
    {
        WarmupSteps = Math.Max(1, warmupSteps);
        TotalSteps = Math.Max(WarmupSteps + 1, totalSteps);
        Start();
    }

    public int WarmupSteps { get; }
    public int TotalSteps { get; }

    public override double LearningRateAt(long epoch) => BaseLearningRate * (epoch < WarmupSteps
        ? (double)epoch / WarmupSteps
        : Math.Max(0, (double)(TotalSteps - epoch) / (TotalSteps - WarmupSteps)));

    /// <summary>The callback that steps the schedule after every training batch.</summary>
    public Callback EveryBatch() => new StepAfterBatch(this);

    private sealed class StepAfterBatch(LearningRateSchedule schedule) : Callback
    {
        public override void OnBatchEnd(TrainingContext context, int batch, double loss) => schedule.Step();
    }
}
