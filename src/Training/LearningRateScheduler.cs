using DeepNet.Optimizers.Schedules;

namespace DeepNet.Training;

/// <summary>Advances a learning-rate schedule at the end of every epoch (Keras' LearningRateScheduler).</summary>
public sealed class LearningRateScheduler(LearningRateSchedule schedule) : Callback
{
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics) => schedule.Step();
}
