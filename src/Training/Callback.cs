namespace DeepNet.Training;

/// <summary>
/// Hooks into <see cref="Trainer.Fit"/>, as Keras callbacks: override the moments you need.
/// Set <see cref="TrainingContext.StopTraining"/> to end training after the current epoch.
/// </summary>
public abstract class Callback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(TrainingContext context) { }

    /// <summary>After each completed epoch (validation included), once its metrics are in the history.</summary>
    public virtual void OnEpochEnd(TrainingContext context, EpochMetrics metrics) { }

    /// <summary>After the last epoch, also when training stopped early or was interrupted.</summary>
    public virtual void OnTrainEnd(TrainingContext context) { }
}
