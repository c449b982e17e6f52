using ILGPU.Runtime;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

// Gather / ScatterAdd launchers. Kernels: GpuGatherKernels. Oracle: GpuParityTests.
// Neither waits for the device: a bad index is written to the op's status slot and raised at the
// next sync (GpuIndexCheck), so a training step runs without a host round trip.
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
            View(src), View(index), View(dst), IndexStatus(IndexCheck.Gather));
    }

    public void ScatterAdd(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (indexLayout.Size == 0) return;
        var outerDst = new StridedLayout(indexLayout.Shape, WithZero(dstLayout.Strides, dim), dstLayout.Offset);
        var l = GpuLayout.Coalesced("scatter_add", srcLayout, indexLayout, outerDst);
        int limit = dstLayout.Shape[dim];
        _kernels.ScatterAdd.Value(Count(indexLayout.Size), l[0], l[1], l[2], limit, dstLayout.Strides[dim],
            View(src), View(index), View(dst), IndexStatus(IndexCheck.ScatterAdd));
    }

    private static int[] WithZero(int[] strides, int dim)
    {
        var copy = (int[])strides.Clone();
        copy[dim] = 0;
        return copy;
    }
}
