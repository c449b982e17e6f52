using ILGPU;
using ILGPU.Runtime;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// A device buffer of <see cref="DeviceBuffer.Length"/> elements carved from a pooled block
/// (blocks are float-typed; other element types view the same bytes through ILGPU's Cast).
/// Dispose it (tensors and dispose scopes do): there is no finalizer, because a finalizer
/// runs on the GC thread where touching ILGPU or the driver is not safe; an undisposed
/// buffer keeps its block until the backend itself is disposed.
/// </summary>
public sealed class GpuBuffer : DeviceBuffer
{
    private readonly GpuMemoryPool _pool;
    private MemoryBuffer1D<float, Stride1D.Dense>? _block;

    internal GpuBuffer(GpuBackend backend, GpuMemoryPool pool, long length, ElementType elementType) : base(backend, length, elementType)
    {
        _pool = pool;
        long floats = (Math.Max(length, 1) * elementType.Size() + sizeof(float) - 1) / sizeof(float);
        _block = pool.Rent(floats);
        if (elementType == ElementType.Float32) View = _block.View.SubView(0, Math.Max(length, 1));
    }

    /// <summary>The bytes of the first Length elements (at least one).</summary>
    internal ArrayView<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_block is null, this);
            return _block.View.AsContiguous().Cast<byte>().SubView(0, Math.Max(Length, 1) * ElementType.Size());
        }
    }

    /// <summary>The first Length floats of the block (float32 buffers; at least one, so empty buffers still have a view).</summary>
    internal ArrayView<float> View { get; private set; }

    /// <summary>The first Length elements as storage type <typeparamref name="T"/> (of the element type's size).</summary>
    internal ArrayView<T> ViewOf<T>() where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_block is null, this);
        return _block.View.AsContiguous().Cast<T>().SubView(0, Math.Max(Length, 1));
    }

    protected override void Release()
    {
        if (_block is null) return;
        _pool.Return(_block);
        _block = null;
        View = default;
    }
}
