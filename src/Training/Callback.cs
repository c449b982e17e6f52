namespace DeepNet.Training;

/// <summary>
/// Hooks into <see cref="Trainer.Fit"/>, as Keras callbacks: override the moments you need.
/// Set <see cref="TrainingContext.StopTraining"/> to end training after the current epoch.
/// </summary>
public abstract class Callback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(TrainingContext context) { }

    /// <summary>Before training batch <paramref name="batch"/> (0-based within <see cref="TrainingContext.Epoch"/>).</summary>
    public virtual void OnBatchBegin(TrainingContext context, int batch) { }

    /// <summary>
    /// After training batch <paramref name="batch"/>'s optimizer step, with its mean loss (Keras'
    /// logs["loss"] per batch). Setting <see cref="TrainingContext.StopTraining"/> here ends the epoch now.
    /// </summary>
    public virtual void OnBatchEnd(TrainingContext context, int batch, double loss) { }

    /// <summary>After each completed epoch (validation included), once its metrics are in the history.</summary>
    public virtual void OnEpochEnd(TrainingContext context, EpochMetrics metrics) { }

    /// <summary>After the last epoch, also when training stopped early or was interrupted.</summary>
    public virtual void OnTrainEnd(TrainingContext context) { }
}
