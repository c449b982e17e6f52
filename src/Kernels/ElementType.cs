namespace DeepNet.Kernels;

/// <summary>
/// What a device buffer holds, element by element. The kernels' view of a tensor dtype
/// (DeepNet.Tensors.DType mirrors it member by member; Kernels cannot see Tensors).
/// </summary>
public enum ElementType
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

/// <summary>Sizes, kinds and the host (CLR) type of each <see cref="ElementType"/>.</summary>
public static class ElementTypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this ElementType type) => type switch
    {
        ElementType.Float64 or ElementType.Int64 => 8,
        ElementType.Float32 or ElementType.Int32 => 4,
        ElementType.BFloat16 or ElementType.Float16 => 2,
        _ => 1,
    };

    /// <summary>True for the floating-point types (the ones gradients flow to).</summary>
    public static bool IsFloat(this ElementType type) =>
        type is ElementType.Float32 or ElementType.Float64 or ElementType.BFloat16 or ElementType.Float16;

    /// <summary>The CLR type a host array of this element type holds (bfloat16: <see cref="Kernels.BFloat16"/>).</summary>
    public static Type HostType(this ElementType type) => type switch
    {
        ElementType.Float32 => typeof(float),
        ElementType.Float64 => typeof(double),
        ElementType.BFloat16 => typeof(BFloat16),
        ElementType.Float16 => typeof(Half),
        ElementType.Int64 => typeof(long),
        ElementType.Int32 => typeof(int),
        ElementType.Int8 => typeof(sbyte),
        ElementType.UInt8 => typeof(byte),
        ElementType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };

    /// <summary>The element type whose host type is <typeparamref name="T"/>; throws for any other type.</summary>
    public static ElementType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? ElementType.Float32
        : typeof(T) == typeof(double) ? ElementType.Float64
        : typeof(T) == typeof(BFloat16) ? ElementType.BFloat16
        : typeof(T) == typeof(Half) ? ElementType.Float16
        : typeof(T) == typeof(long) ? ElementType.Int64
        : typeof(T) == typeof(int) ? ElementType.Int32
        : typeof(T) == typeof(sbyte) ? ElementType.Int8
        : typeof(T) == typeof(byte) ? ElementType.UInt8
        : typeof(T) == typeof(bool) ? ElementType.Bool
        : throw new ArgumentException($"no element type holds {typeof(T).Name} (float, double, BFloat16, Half, long, int, sbyte, byte, bool)");

    /// <summary>Throws unless <typeparamref name="T"/> is the host type of <paramref name="type"/>, naming both.</summary>
    public static void CheckHostType<T>(this ElementType type, string op) where T : unmanaged
    {
        if (typeof(T) != type.HostType())
            throw new ArgumentException($"{op}: the buffer holds {type} elements; {typeof(T).Name} is not their host type ({type.HostType().Name}); cast first");
    }
}
