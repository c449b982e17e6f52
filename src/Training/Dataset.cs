using DeepNet.Data;

namespace DeepNet.Training;

/// <summary>
/// Samples held in memory as two flat row-major arrays: features [Count, ..SampleShape] and
/// targets [Count, ..TargetShape]. Class labels are targets with an empty
/// <see cref="TargetShape"/> (one float class index per sample), which is what
/// cross entropy expects; one-hot or probability rows ([C]) work too. Without targets it is
/// unlabeled data for <see cref="Trainer.Predict(DeepNet.Layers.Module, DataLoader)"/>. A <see cref="DataLoader"/> cuts it into
/// batches; other sources implement <see cref="IDataset"/>.
/// </summary>
public sealed class Dataset : IDataset
{
    /// <summary>Unlabeled samples (features [Count, ..SampleShape], no targets), e.g. to <see cref="Trainer.Predict(DeepNet.Layers.Module, DataLoader)"/>.</summary>
    public Dataset(float[] features, int[] sampleShape)
        : this(features, sampleShape, [], [], hasTargets: false)
    {
    }

    /// <summary>
    /// Wraps the arrays without copying. <paramref name="features"/> must hold Count·prod(<paramref name="sampleShape"/>)
    /// values and <paramref name="targets"/> Count·prod(<paramref name="targetShape"/>) for the same Count.
    /// </summary>
    public Dataset(float[] features, int[] sampleShape, float[] targets, int[]? targetShape = null)
        : this(features, sampleShape, targets ?? throw new ArgumentNullException(nameof(targets)), targetShape ?? [], hasTargets: true)
    {
    }

    private Dataset(float[] features, int[] sampleShape, float[] targets, int[] targetShape, bool hasTargets)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(sampleShape);
        HasTargets = hasTargets;
        if (sampleShape.Any(d => d <= 0) || targetShape.Any(d => d <= 0))
            throw new ArgumentException($"dataset: sample shape [{string.Join(", ", sampleShape)}] and target shape [{string.Join(", ", targetShape)}] need positive dims");
        SampleSize = sampleShape.Aggregate(1, (a, b) => checked(a * b));
        TargetSize = targetShape.Aggregate(1, (a, b) => checked(a * b));
        if (features.Length % SampleSize != 0)
            throw new ArgumentException($"dataset: {features.Length} feature values are not a whole number of samples of shape [{string.Join(", ", sampleShape)}]");
        Count = features.Length / SampleSize;
        if (!hasTargets) TargetSize = 0;
        else if (targets.Length != (long)Count * TargetSize)
            throw new ArgumentException($"dataset: {Count} samples need {(long)Count * TargetSize} target values (target shape [{string.Join(", ", targetShape)}]), got {targets.Length}");
        Features = features;
        Targets = targets;
        SampleShape = (int[])sampleShape.Clone();
        TargetShape = (int[])targetShape.Clone();
    }

    /// <summary>Features, [Count, ..SampleShape] row-major.</summary>
    public float[] Features { get; }

    /// <summary>Targets, [Count, ..TargetShape] row-major (class indices as floats for classification).</summary>
    public float[] Targets { get; }

    /// <summary>Shape of one sample's features, e.g. [1, 28, 28].</summary>
    public int[] SampleShape { get; }

    /// <summary>Shape of one sample's target; empty for a class index or a scalar.</summary>
    public int[] TargetShape { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>False for unlabeled data (made without targets).</summary>
    public bool HasTargets { get; }

    /// <summary>Feature values per sample.</summary>
    public int SampleSize { get; }

    /// <summary>Target values per sample (0 when unlabeled).</summary>
    public int TargetSize { get; }

    /// <summary>Labelled images as a classification dataset: features [N, C, H, W], class-index targets [N].</summary>
    public static Dataset FromImages(LabeledImages images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var targets = new float[images.Count];
        for (int i = 0; i < targets.Length; i++) targets[i] = images.Labels[i];
        return new Dataset(images.Images, [images.Channels, images.Height, images.Width], targets);
    }

    /// <summary>A copy of samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), e.g. to hold out a validation split.</summary>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentException($"dataset: slice [{start}, {start + count}) is outside the {Count} samples");
        return new Dataset(
            Features.AsSpan(start * SampleSize, count * SampleSize).ToArray(), SampleShape,
            Targets.AsSpan(start * TargetSize, count * TargetSize).ToArray(), TargetShape, HasTargets);
    }

    /// <summary>Copies sample <paramref name="index"/>'s features and target into the spans.</summary>
    public void CopySample(int index, Span<float> features, Span<float> target)
    {
        Features.AsSpan(index * SampleSize, SampleSize).CopyTo(features);
        Targets.AsSpan(index * TargetSize, TargetSize).CopyTo(target);
    }
}
