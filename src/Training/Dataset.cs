using System.Runtime.InteropServices;
using DeepNet.Data;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// Samples held in memory as two flat row-major arrays: features [Count, ..SampleShape] and
/// targets [Count, ..TargetShape], each of any dtype (float pixels, Int64 token ids, Int64
/// class labels, Bool flags...), as torch's TensorDataset. Class labels are targets with an
/// empty <see cref="TargetShape"/> (one class index per sample), which is what cross entropy
/// expects; one-hot or probability rows ([C]) work too. Without targets it is unlabeled data for
/// <see cref="Trainer.Predict(DeepNet.Layers.Module, DataLoader)"/>. A <see cref="DataLoader"/>
/// cuts it into batches; other sources implement <see cref="IDataset"/>.
/// </summary>
public sealed class Dataset : IDataset
{
    private readonly Array _features;
    private readonly Array _targets;

    /// <summary>Unlabeled samples (features [Count, ..SampleShape], no targets), e.g. to <see cref="Trainer.Predict(DeepNet.Layers.Module, DataLoader)"/>.</summary>
    public Dataset(float[] features, int[] sampleShape)
        : this(features, sampleShape, Array.Empty<float>(), [], hasTargets: false)
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
        : this(features, sampleShape, labels ?? throw new ArgumentNullException(nameof(labels)), targetShape ?? [], hasTargets: true)
    {
    }

    /// <summary>
    /// Int64 features (token ids, what an Embedding takes) with Int64 class labels: batches carry
    /// Int64 inputs [B, ..SampleShape] and Int64 targets.
    /// </summary>
    public Dataset(long[] ids, int[] sampleShape, long[] labels, int[]? targetShape = null)
        : this(ids ?? throw new ArgumentNullException(nameof(ids)), sampleShape, labels ?? throw new ArgumentNullException(nameof(labels)), targetShape ?? [], hasTargets: true)
    {
    }

    /// <summary>Unlabeled Int64 features (token ids), e.g. to predict.</summary>
    public Dataset(long[] ids, int[] sampleShape)
        : this(ids ?? throw new ArgumentNullException(nameof(ids)), sampleShape, Array.Empty<float>(), [], hasTargets: false)
    {
    }

    /// <summary>
    /// Features and targets of any dtypes, given as host arrays of those dtypes' host types
    /// (float, double, long, int, bool, Half, BFloat16, sbyte, byte): torch's TensorDataset over
    /// host data. Use <see cref="FromTensors"/> to start from tensors.
    /// </summary>
    public static Dataset Create<TFeature, TTarget>(TFeature[] features, int[] sampleShape, TTarget[] targets, int[]? targetShape = null)
        where TFeature : unmanaged where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        DTypes.Of<TFeature>();   // refuses a type that is no dtype's host type, by name
        DTypes.Of<TTarget>();
        return new Dataset(features, sampleShape, targets, targetShape ?? [], hasTargets: true);
    }

    /// <summary>
    /// A dataset of the rows of <paramref name="features"/> [Count, ..] and <paramref name="targets"/>
    /// [Count, ..] (or none), in their own dtypes, copied to the host (torch.utils.data.TensorDataset).
    /// </summary>
    public static Dataset FromTensors(Tensor features, Tensor? targets = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rank == 0) throw new ArgumentException("dataset: features need a first (sample) dimension; got a scalar");
        int[] sampleShape = features.Shape.ToArray()[1..];
        if (targets is null) return new Dataset(features.ToHostArray(), sampleShape, Array.Empty<float>(), [], hasTargets: false);
        if (targets.Rank == 0 || targets.Shape[0] != features.Shape[0])
            throw new ArgumentException($"dataset: features of shape {Format(features.Shape.ToArray())} and targets of shape {Format(targets.Shape.ToArray())} need the same first (sample) dimension");
        return new Dataset(features.ToHostArray(), sampleShape, targets.ToHostArray(), targets.Shape.ToArray()[1..], hasTargets: true);
    }

    private Dataset(Array features, int[] sampleShape, Array targets, int[] targetShape, bool hasTargets)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(sampleShape);
        HasTargets = hasTargets;
        if (sampleShape.Any(d => d <= 0) || targetShape.Any(d => d <= 0))
            throw new ArgumentException($"dataset: sample shape {Format(sampleShape)} and target shape {Format(targetShape)} need positive dims");
        FeatureDType = HostArrays.DType(features);
        TargetDType = hasTargets ? HostArrays.DType(targets) : DType.Float32;
        SampleSize = sampleShape.Aggregate(1, (a, b) => checked(a * b));
        TargetSize = targetShape.Aggregate(1, (a, b) => checked(a * b));
        if (features.Length % SampleSize != 0)
            throw new ArgumentException($"dataset: {features.Length} feature values are not a whole number of samples of shape {Format(sampleShape)}");
        Count = features.Length / SampleSize;
        if (!hasTargets) TargetSize = 0;
        else if (targets.Length != (long)Count * TargetSize)
            throw new ArgumentException($"dataset: {Count} samples need {(long)Count * TargetSize} target values (target shape {Format(targetShape)}), got {targets.Length}");
        _features = features;
        _targets = targets;
        SampleShape = (int[])sampleShape.Clone();
        TargetShape = (int[])targetShape.Clone();
    }

    /// <summary>The features' dtype: what the batches' inputs are.</summary>
    public DType FeatureDType { get; }

    /// <summary>The targets' dtype (Int64 for class labels such as <see cref="FromImages"/>'); Float32 when unlabeled.</summary>
    public DType TargetDType { get; }

    /// <summary>Float32 features, [Count, ..SampleShape] row-major; throws for another dtype (read <see cref="FeatureArray"/>).</summary>
    public float[] Features => _features as float[]
        ?? throw new InvalidOperationException($"dataset: the features are {FeatureDType}; read FeatureArray (or Ids for Int64)");

    /// <summary>Int64 features (token ids), [Count, ..SampleShape]; null for another dtype.</summary>
    public long[]? Ids => _features as long[];

    /// <summary>The features in their own dtype's host array.</summary>
    public Array FeatureArray => _features;

    /// <summary>Float32 targets, [Count, ..TargetShape] row-major; throws for another dtype (read <see cref="Labels"/> for Int64 labels).</summary>
    public float[] Targets => _targets as float[]
        ?? throw new InvalidOperationException($"dataset: the targets are {TargetDType}{(TargetDType == DType.Int64 ? " class labels; read Labels" : "; read TargetArray")}");

    /// <summary>The Int64 class labels (datasets built with labels, such as <see cref="FromImages"/>); null otherwise.</summary>
    public long[]? Labels => HasTargets ? _targets as long[] : null;

    /// <summary>The targets in their own dtype's host array (empty when unlabeled).</summary>
    public Array TargetArray => _targets;

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
        return new Dataset(HostArrays.Slice(_features, FeatureDType, start * SampleSize, count * SampleSize), SampleShape,
            HasTargets ? HostArrays.Slice(_targets, TargetDType, start * TargetSize, count * TargetSize) : _targets, TargetShape, HasTargets);
    }

    /// <summary>Copies sample <paramref name="index"/> into the loader's buffers, in the dataset's own dtypes.</summary>
    public void CopySample(int index, SampleBuffers sample)
    {
        CheckIndex(index);
        HostArrays.Bytes(_features, FeatureDType, index * SampleSize, SampleSize).CopyTo(RawFeatures(sample));
        if (HasTargets) HostArrays.Bytes(_targets, TargetDType, index * TargetSize, TargetSize).CopyTo(RawTarget(sample));
    }

    /// <summary>Float32 views of sample <paramref name="index"/> (only for Float32 features; class labels become exact floats below 2^24).</summary>
    public void CopySample(int index, Span<float> features, Span<float> target)
    {
        CheckIndex(index);
        Features.AsSpan(index * SampleSize, SampleSize).CopyTo(features);
        if (!HasTargets) return;
        if (_targets is float[] floats)
        {
            floats.AsSpan(index * TargetSize, TargetSize).CopyTo(target);
            return;
        }
        var labels = Labels ?? throw new InvalidOperationException($"dataset: the targets are {TargetDType}; read them through CopySample(int, SampleBuffers)");
        for (int i = 0; i < TargetSize; i++)
        {
            long label = labels[index * TargetSize + i];
            // A float view of a label is exact only below 2^24.
            target[i] = Math.Abs(label) <= 1 << 24 ? label
                : throw new InvalidOperationException($"dataset: label {label} of sample {index} has no exact Float32 value; read it as Int64");
        }
    }

    public void CopySample(int index, Span<float> features, Span<long> target)
    {
        CheckIndex(index);
        Features.AsSpan(index * SampleSize, SampleSize).CopyTo(features);
        if (!HasTargets) return;
        if (Labels is { } labels)
        {
            labels.AsSpan(index * TargetSize, TargetSize).CopyTo(target);
            return;
        }
        var floats = _targets as float[] ?? throw new InvalidOperationException($"dataset: the targets are {TargetDType}, not class labels");
        for (int i = 0; i < TargetSize; i++)
        {
            float v = floats[index * TargetSize + i];
            target[i] = v == MathF.Floor(v) && Math.Abs(v) <= 1 << 24 ? (long)v
                : throw new ArgumentException($"dataset: sample {index} has target {v}, which is not an exact integer label");
        }
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset: sample {index} is outside the {Count} samples");
    }

    private Span<byte> RawFeatures(SampleBuffers sample) =>
        sample.FeatureDType == FeatureDType && sample.FeatureLength == SampleSize ? sample.FeatureBytes
        : throw new ArgumentException($"dataset: the buffer holds {sample.FeatureLength} {sample.FeatureDType} features; a sample is {SampleSize} of {FeatureDType}");

    private Span<byte> RawTarget(SampleBuffers sample) =>
        sample.TargetDType == TargetDType && sample.TargetLength == TargetSize ? sample.TargetBytes
        : throw new ArgumentException($"dataset: the buffer holds {sample.TargetLength} {sample.TargetDType} target values; a sample has {TargetSize} of {TargetDType}");

    private static string Format(int[] shape) => $"[{string.Join(", ", shape)}]";
}
