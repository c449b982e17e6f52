using DeepNet.Tensors;
namespace DeepNet.Training;

/// <summary>
/// A source of samples a <see cref="DataLoader"/> can batch (torch's map-style Dataset): a count,
/// fixed per-sample shapes and dtypes, and a way to write sample i into the batch buffers.
/// Implement it for data that is not arrays in memory (files read on demand, bytes, token ids,
/// generated samples). Float32 features with Float32 or Int64 targets need only the span
/// overloads of <c>CopySample</c>; features or targets of any other dtype (Int64 token ids, Bool
/// masks, Float64 values, UInt8 bytes) declare <see cref="FeatureDType"/> / <see cref="TargetDType"/>
/// and implement <see cref="CopySample(int, SampleBuffers)"/>, which is what the loader calls.
/// <see cref="Dataset"/> is the in-memory implementation. CopySample may run on a background
/// thread (prefetch), one call at a time.
/// </summary>
public interface IDataset
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Shape of one sample's features, e.g. [1, 28, 28].</summary>
    int[] SampleShape { get; }

    /// <summary>Shape of one sample's target (empty for a class index or a scalar); ignored when <see cref="HasTargets"/> is false.</summary>
    int[] TargetShape { get; }

    /// <summary>False for unlabeled data (what <see cref="Trainer.Predict(DeepNet.Layers.Module, DataLoader)"/> takes): batches then carry no target.</summary>
    bool HasTargets { get; }

    /// <summary>
    /// Writes sample <paramref name="index"/>'s features (prod(SampleShape) values) into
    /// <paramref name="features"/> and, when <see cref="HasTargets"/>, its target (prod(TargetShape)
    /// values) into <paramref name="target"/>; the spans have exactly those lengths.
    /// </summary>
    void CopySample(int index, Span<float> features, Span<float> target) =>
        throw new InvalidOperationException(
            $"dataset {GetType().Name}: implement CopySample(int, Span<float>, Span<float>) for Float32 features and targets, " +
            $"or CopySample(int, SampleBuffers) for features of {FeatureDType} and targets of {TargetDType}");

    /// <summary>
    /// The dtype of the input tensors a <see cref="DataLoader"/> builds: Float32 (pixels, values)
    /// unless overridden, e.g. Int64 for token ids (what <see cref="DeepNet.Layers.Embedding"/> takes).
    /// </summary>
    DType FeatureDType => DType.Float32;

    /// <summary>
    /// The dtype of the target tensors a <see cref="DataLoader"/> builds: Float32 (regression values,
    /// one-hot rows, float class ids), Int64 (class labels, as torch) or any other. Float32 unless overridden.
    /// </summary>
    DType TargetDType => DType.Float32;

    /// <summary>
    /// As <see cref="CopySample(int, Span{float}, Span{float})"/> with Int64 targets: what the default
    /// <see cref="CopySample(int, SampleBuffers)"/> calls for Float32 features when <see cref="TargetDType"/>
    /// is Int64. The default reads the float targets and refuses any that is not an exact integer.
    /// </summary>
    void CopySample(int index, Span<float> features, Span<long> target)
    {
        var floats = target.Length <= 256 ? stackalloc float[target.Length] : new float[target.Length];
        CopySample(index, features, floats);
        for (int i = 0; i < floats.Length; i++)
        {
            float v = floats[i];
            if (v != MathF.Floor(v) || Math.Abs(v) > 1 << 24)
                throw new ArgumentException($"dataset: sample {index} has target {v}, which is not an exact integer label");
            target[i] = (long)v;
        }
    }

    /// <summary>
    /// Writes sample <paramref name="index"/> into <paramref name="sample"/>, whose spans are in
    /// <see cref="FeatureDType"/> and <see cref="TargetDType"/>: what a <see cref="DataLoader"/>
    /// calls. The default serves Float32 features through the span overloads above; a dataset of
    /// any other feature or target dtype implements this.
    /// </summary>
    void CopySample(int index, SampleBuffers sample)
    {
        if (sample.FeatureDType == DType.Float32 && (sample.TargetDType == DType.Float32 || sample.TargetLength == 0))
            CopySample(index, sample.Features<float>(), sample.TargetLength == 0 ? Span<float>.Empty : sample.Target<float>());
        else if (sample.FeatureDType == DType.Float32 && sample.TargetDType == DType.Int64)
            CopySample(index, sample.Features<float>(), sample.Target<long>());
        else
            throw new InvalidOperationException(
                $"dataset {GetType().Name}: features of {sample.FeatureDType} with targets of {sample.TargetDType} are written by " +
                "CopySample(int, SampleBuffers); implement it (the span overloads carry Float32 features only)");
    }
}
