using System.Runtime.InteropServices;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// Where <see cref="IDataset.CopySample(int, SampleBuffers)"/> writes one sample: the features
/// (prod(SampleShape) elements of <see cref="FeatureDType"/>) and the target (prod(TargetShape)
/// elements of <see cref="TargetDType"/>; empty for unlabeled data). Ask for the span in the host
/// type of the dtype the dataset declared (long for Int64, float for Float32, bool for Bool, ...):
/// any other type is refused by name, never reinterpreted.
/// </summary>
public readonly ref struct SampleBuffers
{
    private readonly Span<byte> _features;
    private readonly Span<byte> _target;

    /// <summary>Wraps byte views of the two buffers; their lengths must be whole elements of each dtype.</summary>
    public SampleBuffers(Span<byte> features, DType featureDType, Span<byte> target, DType targetDType)
    {
        if (features.Length % featureDType.Size() != 0 || target.Length % targetDType.Size() != 0)
            throw new ArgumentException($"sample_buffers: {features.Length} and {target.Length} bytes are not whole {featureDType} / {targetDType} elements");
        _features = features;
        _target = target;
        FeatureDType = featureDType;
        TargetDType = targetDType;
    }

    public DType FeatureDType { get; }
    public DType TargetDType { get; }

    /// <summary>Feature elements to write.</summary>
    public int FeatureLength => _features.Length / FeatureDType.Size();

    /// <summary>Target elements to write (0 for unlabeled data).</summary>
    public int TargetLength => _target.Length / TargetDType.Size();

    /// <summary>The features as <typeparamref name="T"/>, which must be <see cref="FeatureDType"/>'s host type.</summary>
    public Span<T> Features<T>() where T : unmanaged => View<T>(_features, FeatureDType, "features");

    /// <summary>The target as <typeparamref name="T"/>, which must be <see cref="TargetDType"/>'s host type.</summary>
    public Span<T> Target<T>() where T : unmanaged => View<T>(_target, TargetDType, "target");

    // For the loader's and Dataset's own byte copies, after they checked the dtypes.
    internal Span<byte> FeatureBytes => _features;
    internal Span<byte> TargetBytes => _target;

    private static Span<T> View<T>(Span<byte> bytes, DType dtype, string what) where T : unmanaged
    {
        if (DTypes.HostType(dtype) != typeof(T))
            throw new InvalidOperationException(
                $"sample_buffers: the dataset declared {what} of dtype {dtype}, written as {DTypes.HostType(dtype).Name}; {typeof(T).Name} was asked for");
        return MemoryMarshal.Cast<byte, T>(bytes);
    }
}
