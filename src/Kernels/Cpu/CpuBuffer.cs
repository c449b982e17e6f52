using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepNet.Kernels.Cpu;

/// <summary>
/// A CPU buffer: a pooled managed array of the element type's host type (may be longer than
/// Length). <see cref="Data"/>/<see cref="Span"/> are the float32 view every float kernel uses;
/// <see cref="AsSpan{T}"/> is the typed view of any element type.
/// </summary>
public sealed class CpuBuffer : DeviceBuffer
{
    private Array _array;

    internal CpuBuffer(CpuBackend backend, long length, ElementType elementType, bool zeroed) : base(backend, length, elementType)
    {
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(length), $"cpu: buffer of {length} {elementType} elements is too large");
        int n = (int)Math.Max(length, 1);
        _array = elementType switch
        {
            ElementType.Float32 => ArrayPool<float>.Shared.Rent(n),
            ElementType.Float64 => ArrayPool<double>.Shared.Rent(n),
            ElementType.BFloat16 => ArrayPool<BFloat16>.Shared.Rent(n),
            ElementType.Float16 => ArrayPool<Half>.Shared.Rent(n),
            ElementType.Int64 => ArrayPool<long>.Shared.Rent(n),
            ElementType.Int32 => ArrayPool<int>.Shared.Rent(n),
            ElementType.Int8 => ArrayPool<sbyte>.Shared.Rent(n),
            ElementType.UInt8 => ArrayPool<byte>.Shared.Rent(n),
            ElementType.Bool => ArrayPool<bool>.Shared.Rent(n),
            _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "cpu: unknown element type"),
        };
        if (zeroed) Bytes.Clear();
    }

    /// <summary>The float32 array (float32 buffers only; another element type throws naming it).</summary>
    public float[] Data => ElementType == ElementType.Float32 ? (float[])_array : throw NotFloat32();

    /// <summary>The first Length floats (float32 buffers only).</summary>
    public Span<float> Span => Data.AsSpan(0, (int)Length);

    /// <summary>The first Length elements as <typeparamref name="T"/>, which must be the element type's host type.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        ElementType.CheckHostType<T>("cpu buffer");
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(_array)), (int)Length);
    }

    /// <summary>
    /// The elements reinterpreted as <typeparamref name="T"/> of the same size (the kernels' storage
    /// view: float16/bfloat16 as ushort, bool as byte); checked on the size only.
    /// </summary>
    internal Span<T> Storage<T>() where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Unsafe.SizeOf<T>() != ElementType.Size())
            throw new ArgumentException($"cpu: a {ElementType} buffer cannot be read as {typeof(T).Name}");
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(_array)), (int)Length);
    }

    /// <summary>The Length elements' bytes.</summary>
    internal Span<byte> Bytes => IsDisposed ? throw new ObjectDisposedException(nameof(CpuBuffer)) : MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(_array), (int)ByteLength);

    private InvalidOperationException NotFloat32() =>
        new($"cpu: this buffer holds {ElementType} elements, not Float32; this kernel reads float32 only (cast the tensor first)");

    protected override void Release()
    {
        // By element type, not by `_array is T[]`: the runtime lets a byte[] pass as sbyte[].
        switch (ElementType)
        {
            case ElementType.Float32: ArrayPool<float>.Shared.Return((float[])_array); break;
            case ElementType.Float64: ArrayPool<double>.Shared.Return((double[])_array); break;
            case ElementType.BFloat16: ArrayPool<BFloat16>.Shared.Return((BFloat16[])_array); break;
            case ElementType.Float16: ArrayPool<Half>.Shared.Return((Half[])_array); break;
            case ElementType.Int64: ArrayPool<long>.Shared.Return((long[])_array); break;
            case ElementType.Int32: ArrayPool<int>.Shared.Return((int[])_array); break;
            case ElementType.Int8: ArrayPool<sbyte>.Shared.Return((sbyte[])_array); break;
            case ElementType.UInt8: ArrayPool<byte>.Shared.Return((byte[])_array); break;
            case ElementType.Bool: ArrayPool<bool>.Shared.Return((bool[])_array); break;
        }
        _array = ElementType == ElementType.Float32 ? Array.Empty<float>() : Array.Empty<byte>();
    }
}
