using DeepNet.Data;
using DeepNet.Tensors;

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

    /// <summary>
    /// Features with Int64 class labels (torch's target dtype for cross entropy): batches carry
    /// Int64 target tensors. <paramref name="labels"/> has prod(targetShape) values per sample
    /// (one per sample by default).
    /// </summary>
    public Dataset(float[] features, int[] sampleShape, long[] labels, int[]? targetShape = null)
        : this(features, sampleShape, [], targetShape ?? [], hasTargets: true, labels ?? throw new ArgumentNullException(nameof(labels)))
    {
    }

    private Dataset(float[] features, int[] sampleShape, float[] targets, int[] targetShape, bool hasTargets, long[]? labels = null)
    {
        _labels = labels;
        if (labels is not null) targets = [];
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
        else if ((labels?.Length ?? targets.Length) != (long)Count * TargetSize)
            throw new ArgumentException($"dataset: {Count} samples need {(long)Count * TargetSize} target values (target shape [{string.Join(", ", targetShape)}]), got {labels?.Length ?? targets.Length}");
        Features = features;
        _targets = targets;
        SampleShape = (int[])sampleShape.Clone();
        TargetShape = (int[])targetShape.Clone();
    }

    /// <summary>Features, [Count, ..SampleShape] row-major.</summary>
    public float[] Features { get; }

    /// <summary>Targets, [Count, ..TargetShape] row-major (class indices as floats for classification).</summary>
    public float[] Targets => _labels is null ? _targets
        : throw new InvalidOperationException("dataset: the targets are Int64 class labels; read Labels");

    /// <summary>The Int64 class labels (datasets built with labels, such as <see cref="FromImages"/>); null otherwise.</summary>
    public long[]? Labels => _labels;

    /// <summary>Int64 for a dataset of class labels, else Float32.</summary>
    public DType TargetDType => _labels is null ? DType.Float32 : DType.Int64;

    private readonly float[] _targets;
    private readonly long[]? _labels;

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
        var labels = new long[images.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = images.Labels[i];
        return new Dataset(images.Images, [images.Channels, images.Height, images.Width], labels);
    }

    /// <summary>A copy of samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), e.g. to hold out a validation split.</summary>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentException($"dataset: slice [{start}, {start + count}) is outside the {Count} samples");
        return new Dataset(
            Features.AsSpan(start * SampleSize, count * SampleSize).ToArray(), SampleShape,
            _targets.AsSpan(Math.Min(start * TargetSize, _targets.Length), _labels is null ? count * TargetSize : 0).ToArray(), TargetShape, HasTargets,
            _labels?.AsSpan(start * TargetSize, count * TargetSize).ToArray());
    }

    /// <summary>Copies sample <paramref name="index"/>'s features and target into the spans.</summary>
    public void CopySample(int index, Span<float> features, Span<float> target)
    {
        Features.AsSpan(index * SampleSize, SampleSize).CopyTo(features);
        if (_labels is null)
        {
            _targets.AsSpan(index * TargetSize, TargetSize).CopyTo(target);
            return;
        }
        for (int i = 0; i < TargetSize; i++)
        {
            long label = _labels[index * TargetSize + i];
            // A float view of a label is exact only below 2^24.
            target[i] = Math.Abs(label) <= 1 << 24 ? label
                : throw new InvalidOperationException($"dataset: label {label} of sample {index} has no exact Float32 value; read it as Int64");
        }
    }

    public void CopySample(int index, Span<float> features, Span<long> target)
    {
        Features.AsSpan(index * SampleSize, SampleSize).CopyTo(features);
        if (_labels is not null)
        {
            _labels.AsSpan(index * TargetSize, TargetSize).CopyTo(target);
            return;
        }
        for (int i = 0; i < TargetSize; i++)
        {
            float v = _targets[index * TargetSize + i];
            target[i] = v == MathF.Floor(v) && Math.Abs(v) <= 1 << 24 ? (long)v
                : throw new ArgumentException($"dataset: sample {index} has target {v}, which is not an exact integer label");
        }
    }
}
