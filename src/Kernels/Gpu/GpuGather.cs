using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Elements;
using static DeepNet.Kernels.Gpu.GpuGatherKernels;
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
        IndexElements.Check("gather", index.ElementType);
        if (indexLayout.Size == 0) return;
        var outerSrc = new StridedLayout(indexLayout.Shape, WithZero(srcLayout.Strides, dim), srcLayout.Offset);
        var l = GpuLayout.Coalesced("gather", outerSrc, indexLayout, dstLayout);
        int limit = srcLayout.Shape[dim], stride = srcLayout.Strides[dim];
        var status = IndexStatus(IndexCheck.Gather);
        var count = Count(indexLayout.Size);
        if (src.ElementType == ElementType.Float64)
        {
            switch (index.ElementType)
            {
                case ElementType.Int64: GatherFloat64<long, Int64Element>(count, l, limit, stride, src, index, dst, status); break;
                case ElementType.Int32: GatherFloat64<int, Int32Element>(count, l, limit, stride, src, index, dst, status); break;
                default: GatherFloat64<float, Float32Element>(count, l, limit, stride, src, index, dst, status); break;
            }
            return;
        }
        switch (index.ElementType)
        {
            case ElementType.Int64: GatherTyped<long, Int64Element>(count, l, limit, stride, src, index, dst, status); break;
            case ElementType.Int32: GatherTyped<int, Int32Element>(count, l, limit, stride, src, index, dst, status); break;
            default: GatherTyped<float, Float32Element>(count, l, limit, stride, src, index, dst, status); break;
        }
    }

    public void ScatterAdd(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        IndexElements.Check("scatter_add", index.ElementType);
        if (indexLayout.Size == 0) return;
        var outerDst = new StridedLayout(indexLayout.Shape, WithZero(dstLayout.Strides, dim), dstLayout.Offset);
        var l = GpuLayout.Coalesced("scatter_add", srcLayout, indexLayout, outerDst);
        int limit = dstLayout.Shape[dim], stride = dstLayout.Strides[dim];
        var status = IndexStatus(IndexCheck.ScatterAdd);
        var count = Count(indexLayout.Size);
        if (src.ElementType == ElementType.Float64)
        {
            switch (index.ElementType)
            {
                case ElementType.Int64: ScatterAddFloat64<long, Int64Element>(count, l, limit, stride, src, index, dst, status); break;
                case ElementType.Int32: ScatterAddFloat64<int, Int32Element>(count, l, limit, stride, src, index, dst, status); break;
                default: ScatterAddFloat64<float, Float32Element>(count, l, limit, stride, src, index, dst, status); break;
            }
            return;
        }
        switch (index.ElementType)
        {
            case ElementType.Int64: ScatterAddTyped<long, Int64Element>(count, l, limit, stride, src, index, dst, status); break;
            case ElementType.Int32: ScatterAddTyped<int, Int32Element>(count, l, limit, stride, src, index, dst, status); break;
            default: ScatterAddTyped<float, Float32Element>(count, l, limit, stride, src, index, dst, status); break;
        }
    }

    private void GatherTyped<TI, AI>(Index1D count, GpuLayout[] l, int limit, int stride, DeviceBuffer src, DeviceBuffer index,
        DeviceBuffer dst, ArrayView<float> status) where TI : unmanaged where AI : struct, IElement<TI> =>
        FusedKernel(("gather", typeof(TI)), acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, int, int,
                ArrayView<float>, ArrayView<TI>, ArrayView<float>, ArrayView<float>>(GatherKernel<float, TI, AI>))
            (count, l[0], l[1], l[2], limit, stride, View(src), ViewOf<TI>(index), View(dst), status);

    private void ScatterAddTyped<TI, AI>(Index1D count, GpuLayout[] l, int limit, int stride, DeviceBuffer src, DeviceBuffer index,
        DeviceBuffer dst, ArrayView<float> status) where TI : unmanaged where AI : struct, IElement<TI> =>
        FusedKernel(("scatter_add", typeof(TI)), acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, int, int,
                ArrayView<float>, ArrayView<TI>, ArrayView<float>, ArrayView<float>>(ScatterAddKernel<float, GpuFloatSum, TI, AI>))
            (count, l[0], l[1], l[2], limit, stride, View(src), ViewOf<TI>(index), View(dst), status);

    private static int[] WithZero(int[] strides, int dim)
    {
        var copy = (int[])strides.Clone();
        copy[dim] = 0;
        return copy;
    }
}
