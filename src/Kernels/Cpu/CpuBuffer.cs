using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepNet.Kernels.Cpu;

/// <summary>
/// A CPU buffer: a float[] from the backend's <see cref="CpuBufferPool"/> holding the elements'
/// bytes (may be longer than Length). <see cref="Data"/>/<see cref="Span"/> are the float32 view
/// every float kernel uses; <see cref="AsSpan{T}"/> is the typed view of any element type.
/// </summary>
public sealed class CpuBuffer : DeviceBuffer
{
    private readonly CpuBufferPool _pool;
    private float[] _array;

    internal CpuBuffer(CpuBackend backend, CpuBufferPool pool, long length, ElementType elementType, bool zeroed) : base(backend, length, elementType)
    {
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(length), $"cpu: buffer of {length} {elementType} elements is too large");
        long units = (Math.Max(length, 1) * elementType.Size() + 3) / 4;
        if (units > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(length), $"cpu: buffer of {length} {elementType} elements is too large");
        _pool = pool;
        _array = pool.Rent(units, zeroed, out bool isZero);
        if (zeroed && !isZero) Bytes.Clear();
    }

    /// <summary>The float32 array (float32 buffers only; another element type throws naming it).</summary>
    public float[] Data => ElementType == ElementType.Float32 ? _array : throw NotFloat32();

    /// <summary>The first Length floats (float32 buffers only).</summary>
    public Span<float> Span => Data.AsSpan(0, (int)Length);

    /// <summary>The first Length elements as <typeparamref name="T"/>, which must be the element type's host type.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        ElementType.CheckHostType<T>("cpu buffer");
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return MemoryMarshal.CreateSpan(ref Unsafe.As<float, T>(ref MemoryMarshal.GetArrayDataReference(_array)), (int)Length);
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
        return MemoryMarshal.CreateSpan(ref Unsafe.As<float, T>(ref MemoryMarshal.GetArrayDataReference(_array)), (int)Length);
    }

    /// <summary>The Length elements' bytes.</summary>
    internal Span<byte> Bytes => IsDisposed
        ? throw new ObjectDisposedException(nameof(CpuBuffer))
        : MemoryMarshal.CreateSpan(ref Unsafe.As<float, byte>(ref MemoryMarshal.GetArrayDataReference(_array)), (int)ByteLength);

    private InvalidOperationException NotFloat32() =>
        new($"cpu: this buffer holds {ElementType} elements, not Float32; this kernel reads float32 only (cast the tensor first)");

    protected override void Release()
    {
        _pool.Return(_array);
        _array = [];
    }
}
