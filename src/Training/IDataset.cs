namespace DeepNet.Training;

/// <summary>
/// A source of samples a <see cref="DataLoader"/> can batch (torch's map-style Dataset): a count,
/// fixed per-sample shapes, and a way to write sample i into the batch buffers. Implement it for
/// data that is not two float arrays in memory (files read on demand, bytes, int token ids,
/// generated samples): <see cref="CopySample"/> converts to float32, the tensors' storage type
/// (class indices and token ids are exact as floats below 2^24). <see cref="Dataset"/> is the
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
}
