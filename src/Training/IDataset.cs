using DeepNet.Tensors;
namespace DeepNet.Training;

/// <summary>
/// A source of samples a <see cref="DataLoader"/> can batch (torch's map-style Dataset): a count,
/// fixed per-sample shapes, and a way to write sample i into the batch buffers. Implement it for
/// data that is not two float arrays in memory (files read on demand, bytes, int token ids,
/// generated samples): <see cref="CopySample(int, Span{float}, Span{float})"/> writes float32 features
/// (token ids are exact as floats below 2^24) and targets; a dataset of class labels says
/// <see cref="TargetDType"/> Int64 and writes them through the Int64 overload, so labels stay exact. <see cref="Dataset"/> is the
/// in-memory implementation. CopySample may run on a background thread (prefetch), one call at a time.
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
    void CopySample(int index, Span<float> features, Span<float> target);

    /// <summary>
    /// The dtype of the target tensors a <see cref="DataLoader"/> builds: Float32 (regression values,
    /// one-hot rows, float class ids) or Int64 (class labels, as torch). Float32 unless overridden.
    /// </summary>
    DType TargetDType => DType.Float32;

    /// <summary>
    /// As <see cref="CopySample(int, Span{float}, Span{float})"/> with Int64 targets: what a
    /// <see cref="DataLoader"/> calls when <see cref="TargetDType"/> is Int64. The default reads the
    /// float targets and refuses any that is not an exact integer.
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
}
