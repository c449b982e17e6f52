using ILGPU;
using ILGPU.Runtime;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// A device buffer of <see cref="DeviceBuffer.Length"/> floats carved from a pooled block.
/// Dispose it (tensors and dispose scopes do): there is no finalizer, because a finalizer
/// runs on the GC thread where touching ILGPU or the driver is not safe; an undisposed
/// buffer keeps its block until the backend itself is disposed.
/// </summary>
public sealed class GpuBuffer : DeviceBuffer
{
    private readonly GpuMemoryPool _pool;
    private MemoryBuffer1D<float, Stride1D.Dense>? _block;

    internal GpuBuffer(GpuBackend backend, GpuMemoryPool pool, long length) : base(backend, length)
    {
        _pool = pool;
        _block = pool.Rent(Math.Max(length, 1));
        View = _block.View.SubView(0, Math.Max(length, 1));
    }

    /// <summary>The first Length floats of the block (at least one, so empty buffers still have a view).</summary>
    internal ArrayView<float> View { get; private set; }

    protected override void Release()
    {
        if (_block is null) return;
        _pool.Return(_block);
        _block = null;
        View = default;
    }
}
