using DeepNet.Kernels;

namespace DeepNet.Tensors;

/// <summary>
/// Element type of a tensor, as torch.dtype: Float32 (the default), Float64, BFloat16 and
/// Float16 (stored in 16 bits), Int64 and Int32 (ids, labels, indices), Int8 and UInt8
/// (quantized data, bytes), Bool (masks). Mirrors DeepNet.Kernels.ElementType member by member.
/// </summary>
public enum DType
{
    Float32,
    Float64,
    BFloat16,
    Float16,
    Int64,
    Int32,
    Int8,
    UInt8,
    Bool,
}

/// <summary>Facts about each <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this DType dtype) => dtype.ToElementType().Size();

    /// <summary>True for Float32, Float64, BFloat16 and Float16: the dtypes gradients flow to.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype.ToElementType().IsFloat();

    /// <summary>True for Int64, Int32, Int8 and UInt8 (not Bool).</summary>
    public static bool IsInteger(this DType dtype) => dtype is DType.Int64 or DType.Int32 or DType.Int8 or DType.UInt8;

    /// <summary>The .NET type <c>Item&lt;T&gt;</c> and <c>ToArray&lt;T&gt;</c> take for this dtype (BFloat16: DeepNet.Kernels.BFloat16).</summary>
    public static Type HostType(this DType dtype) => dtype.ToElementType().HostType();

    /// <summary>The dtype whose host type is <typeparamref name="T"/>; throws for any other type.</summary>
    public static DType Of<T>() where T : unmanaged => FromElementType(ElementTypes.Of<T>());

    // The two enums mirror each other member by member (DTypeTests checks it), so a conversion is a range
    // check and a cast: Tensor.DType is read by every op, and the switches were a few % of a tiny op.
    internal static ElementType ToElementType(this DType dtype) =>
        (uint)dtype <= (uint)DType.Bool ? (ElementType)dtype : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");

    internal static DType FromElementType(ElementType type) =>
        (uint)type <= (uint)ElementType.Bool ? (DType)type : throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type");
}
