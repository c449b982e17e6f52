using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// A quantity measured over an epoch beside the loss (Keras' metrics): the trainer calls
/// <see cref="Reset"/>, then <see cref="Update"/> for each batch (in no-grad mode), then reads
/// <see cref="Result"/>. Its <see cref="Name"/> is the key in <see cref="History"/>, the epoch
/// summary and callbacks' <c>monitor</c> ("val_" + Name on validation data). Pass metrics to the
/// <see cref="Trainer"/>; derive from this class for your own.
/// </summary>
public abstract class Metric
{
    /// <summary>A metric named <paramref name="name"/> (e.g. "precision").</summary>
    protected Metric(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The Keras-style name: "accuracy", "precision", "recall", "f1_score", "top_5_accuracy", "mae".</summary>
    public string Name { get; }

    /// <summary>Whether larger values are better (what EarlyStopping and ReduceLROnPlateau monitor for); true unless overridden.</summary>
    public virtual bool HigherIsBetter => true;

    /// <summary>Forgets every batch seen (called at the start of each epoch and evaluation).</summary>
    public abstract void Reset();

    /// <summary>Adds one batch: the model's <paramref name="output"/> and the <paramref name="target"/>.</summary>
    public abstract void Update(Tensor output, Tensor target);

    /// <summary>The value over the batches since <see cref="Reset"/>.</summary>
    public abstract double Result();

    /// <summary>Fraction of samples whose arg-max class is the target: logits [N, C] against class indices [N] or one-hot/probability rows [N, C].</summary>
    public static Metric Accuracy() => new TopKAccuracy(1, "accuracy");

    /// <summary>Fraction of samples whose target class is among the <paramref name="k"/> highest scores ("top_k_accuracy" with k written in).</summary>
    public static Metric TopKAccuracy(int k = 5) => new TopKAccuracy(k, $"top_{k}_accuracy");

    /// <summary>Macro-averaged precision TP/(TP+FP) over the classes present in targets or predictions (0 for a class never predicted).</summary>
    public static Metric Precision() => new ClassificationReport(ClassificationScore.Precision);

    /// <summary>Macro-averaged recall TP/(TP+FN) over the classes present in targets or predictions.</summary>
    public static Metric Recall() => new ClassificationReport(ClassificationScore.Recall);

    /// <summary>Macro-averaged F1 = 2PR/(P+R) per class, then averaged (sklearn's f1_score(average="macro")).</summary>
    public static Metric F1Score() => new ClassificationReport(ClassificationScore.F1);

    /// <summary>Mean absolute error |output − target| over every element; output and target must have one shape.</summary>
    public static Metric MeanAbsoluteError() => new MeanAbsoluteError();
}
