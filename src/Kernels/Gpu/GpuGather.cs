using ILGPU.Runtime;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

// Gather / ScatterAdd launchers. Kernels: GpuGatherKernels. Oracle: GpuParityTests.
// Each launch reads back the status word (one small synchronous copy) so an out-of-range
// index raises the same ArgumentException as on the CPU, at the call that caused it.
public sealed partial class GpuBackend
{
    public void Gather(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (indexLayout.Size == 0) return;
        var outerSrc = new StridedLayout(indexLayout.Shape, WithZero(srcLayout.Strides, dim), srcLayout.Offset);
        var l = GpuLayout.Coalesced("gather", outerSrc, indexLayout, dstLayout);
        int limit = srcLayout.Shape[dim];
        _kernels.Gather.Value(Count(indexLayout.Size), l[0], l[1], l[2], limit, srcLayout.Strides[dim],
            View(src), View(index), View(dst), StatusView);
        ThrowOnBadIndex("gather", limit);
    }

    public void ScatterAdd(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (indexLayout.Size == 0) return;
        var outerDst = new StridedLayout(indexLayout.Shape, WithZero(dstLayout.Strides, dim), dstLayout.Offset);
        var l = GpuLayout.Coalesced("scatter_add", srcLayout, indexLayout, outerDst);
        int limit = dstLayout.Shape[dim];
        _kernels.ScatterAdd.Value(Count(indexLayout.Size), l[0], l[1], l[2], limit, dstLayout.Strides[dim],
            View(src), View(index), View(dst), StatusView);
        ThrowOnBadIndex("scatter_add", limit);
    }

    internal void ThrowOnBadIndex(string op, int limit, Func<float, string>? describe = null)
    {
        Span<float> status = stackalloc float[2];
        StatusView.CopyToCPU(Stream, status);
        Stream.Synchronize();
        if (status[0] == 0f) return;
        StatusView.MemSetToZero(Stream);
        throw new ArgumentException(describe?.Invoke(status[1]) ?? $"{op}: index {status[1]} is out of range for a dim of size {limit}");
    }

    private static int[] WithZero(int[] strides, int dim)
    {
        var copy = (int[])strides.Clone();
        copy[dim] = 0;
        return copy;
    }
}
