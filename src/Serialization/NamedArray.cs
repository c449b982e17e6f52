using System.Runtime.InteropServices;
using DeepNet.Tensors;

namespace DeepNet.Serialization;

/// <summary>
/// A named array in row-major order, the unit a safetensors file stores: <see cref="Values"/> is a
/// host array of the dtype's host type (float[] for Float32, long[] for Int64, bool[] for Bool, ...;
/// see <see cref="DTypes.HostType"/>) whose length is the product of <see cref="Shape"/> (1 for a
/// scalar, <c>Shape = []</c>). <see cref="Data"/> is the float32 view most callers use.
/// </summary>
public sealed record NamedArray
{
    /// <summary>A Float32 array.</summary>
    /// <param name="Name">The tensor's key in the file, e.g. <c>"fc1.weight"</c>.</param>
    /// <param name="Shape">Dimensions, outermost first; every entry is non-negative.</param>
    /// <param name="Data">The values, row-major.</param>
    public NamedArray(string Name, int[] Shape, float[] Data)
        : this(Name, Shape, DType.Float32, Data)
    {
    }

    private NamedArray(string name, int[] shape, DType dtype, Array values)
    {
        this.Name = name;
        this.Shape = shape;
        DType = dtype;
        Values = values;
    }

    /// <summary>An array of the dtype whose host type is <typeparamref name="T"/> (long → Int64, bool → Bool, ...).</summary>
    public static NamedArray Of<T>(string name, int[] shape, T[] values) where T : unmanaged =>
        new(name, shape, DTypes.Of<T>(), values);

    /// <summary>An array over a host array already known to be of <paramref name="dtype"/>'s host type (the reader's).</summary>
    internal static NamedArray Create(string name, int[] shape, DType dtype, Array values) => new(name, shape, dtype, values);

    /// <summary>A host copy of <paramref name="tensor"/>, keeping its dtype.</summary>
    public static NamedArray FromTensor(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new(name, tensor.Shape.ToArray(), tensor.DType, tensor.ToHostArray());
    }

    /// <summary>The tensor's key in the file, e.g. <c>"fc1.weight"</c>.</summary>
    public string Name { get; init; }

    /// <summary>Dimensions, outermost first; every entry is non-negative.</summary>
    public int[] Shape { get; init; }

    /// <summary>The element type, kept exactly as the file or tensor had it.</summary>
    public DType DType { get; }

    /// <summary>The values, row-major, as a host array of the dtype's host type.</summary>
    public Array Values { get; }

    /// <summary>The Float32 values; another dtype throws naming it (use <see cref="ToArray{T}"/> or <see cref="ToTensor"/>).</summary>
    public float[] Data => DType == DType.Float32
        ? (float[])Values
        : throw new InvalidOperationException($"safetensors: tensor '{Name}' is {DType}, not Float32; read it with ToArray<{DType.HostType().Name}>() or ToTensor()");

    /// <summary>The values as <typeparamref name="T"/>, which must be the dtype's host type (nothing converts silently).</summary>
    public T[] ToArray<T>() where T : unmanaged => typeof(T) == DType.HostType()
        ? (T[])Values
        : throw new InvalidOperationException($"safetensors: tensor '{Name}' is {DType} (host type {DType.HostType().Name}), not {typeof(T).Name}");

    /// <summary>A tensor of this array's dtype and shape on <paramref name="device"/> (CPU by default).</summary>
    public Tensor ToTensor(Device? device = null) => Tensor.FromHostArray(Values, Shape, device ?? Device.Cpu);

    /// <summary>Number of elements the shape describes (product of dims, 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (int dim in Shape)
            {
                count = checked(count * dim);
            }

            return count;
        }
    }

    /// <summary>The values' bytes in host order (little-endian on every supported platform).</summary>
    internal ReadOnlySpan<byte> Bytes => MemoryMarshal.CreateReadOnlySpan(
        ref MemoryMarshal.GetArrayDataReference(Values), Values.Length * DType.Size());

    /// <summary>
    /// True when both arrays have the same name, shape, dtype and bit-identical values
    /// (record equality compares the array references only).
    /// </summary>
    public bool ContentEquals(NamedArray other)
    {
        ArgumentNullException.ThrowIfNull(other);
        // Bitwise, so NaN payloads and -0 round-trip checks stay exact.
        return Name == other.Name
            && Shape.AsSpan().SequenceEqual(other.Shape)
            && DType == other.DType
            && Bytes.SequenceEqual(other.Bytes);
    }

    /// <summary>Shape written as <c>[2, 3]</c>, for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
