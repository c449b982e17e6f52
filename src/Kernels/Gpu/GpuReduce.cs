using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

// Reduce and ArgMax launchers. Kernels: GpuReduceKernels. Oracle: GpuParityTests.
public sealed partial class GpuBackend
{
    /// <summary>Rows at least this long use the block kernel, whatever the output count.</summary>
    internal const int BlockReduceMinRow = 1024;

    public void Reduce(ReduceKind kind, DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (srcLayout.Rank != dstLayout.Rank)
            throw new ArgumentException($"reduce: src {srcLayout} and dst {dstLayout} must have the same rank (keepdim form)");
        if (dstLayout.Size == 0) return;
        var (outerSrc, inner) = SplitReduced(srcLayout, dstLayout);
        var outer = GpuLayout.Coalesced("reduce", outerSrc, dstLayout);
        var (innerShape, innerMerged) = LayoutCoalescer.Coalesce(inner);
        var innerLayout = GpuLayout.From(innerMerged[0], "reduce");
        long innerSize = ShapeMath.Size(innerShape), outputs = dstLayout.Size;
        if (innerSize > int.MaxValue) throw new ArgumentException($"reduce: {innerSize} elements per output exceed {int.MaxValue}");
        if (src.ElementType == ElementType.Float64)
        {
            if (dst.ElementType != ElementType.Float64)
                throw new ArgumentException($"reduce: a Float64 source reduces into Float64, not {dst.ElementType}");
            FusedKernel("reduce-f64", acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, int, int, ArrayView<double>, ArrayView<double>>(
                    GpuReduceKernels.PerThreadFloat64Kernel))
                (Count(outputs), outer[0], outer[1], innerLayout, (int)innerSize, (int)kind, ViewOf<double>(src), ViewOf<double>(dst));
            return;
        }
        // Long rows, or too few outputs to fill the device with a thread each: a group per output.
        bool block = innerSize >= BlockReduceMinRow || (innerSize >= 256 && outputs < 1024);
        if (block)
        {
            var config = new KernelConfig((int)Count(outputs).X, GpuReduceKernels.BlockSize);
            _kernels.ReduceBlock.Value(config, outer[0], outer[1], innerLayout, (int)innerSize, (int)kind, View(src), View(dst));
        }
        else
        {
            _kernels.ReducePerThread.Value(Count(outputs), outer[0], outer[1], innerLayout, (int)innerSize, (int)kind, View(src), View(dst));
        }
    }

    public void ArgMax(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (dstLayout.Size == 0) return;
        if (srcLayout.Shape[dim] == 0) throw new ArgumentException($"argmax: dim {dim} of {srcLayout} is empty");
        int length = srcLayout.Shape[dim], stride = srcLayout.Strides[dim];
        var outerSrc = new StridedLayout(dstLayout.Shape, srcLayout.Strides, srcLayout.Offset);
        var l = GpuLayout.Coalesced("argmax", outerSrc, dstLayout);
        if (src.ElementType == ElementType.Float64 && dst.ElementType is ElementType.Int64 or ElementType.Float32)
        {
            ArgMaxFloat64(src, l, length, stride, dst, dstLayout.Size);
            return;
        }
        if (dst.ElementType == ElementType.Int64) _kernels.ArgMax.Value(Count(dstLayout.Size), l[0], l[1], length, stride, View(src), ViewOf<long>(dst));
        else if (dst.ElementType == ElementType.Float32) _kernels.ArgMaxFloat.Value(Count(dstLayout.Size), l[0], l[1], length, stride, View(src), View(dst));
        else throw new ArgumentException($"argmax: indices are written as Int64 or Float32, not {dst.ElementType}");
    }

    /// <summary>Splits src into the kept dims (outer, aligned with dst) and the reduced dims (inner, offset 0).</summary>
    private static (StridedLayout OuterSrc, StridedLayout Inner) SplitReduced(StridedLayout src, StridedLayout dst)
    {
        var outerStrides = new int[src.Rank];
        var innerShape = new int[src.Rank];
        var innerStrides = new int[src.Rank];
        for (int k = 0; k < src.Rank; k++)
        {
            bool reduced = dst.Shape[k] == 1 && src.Shape[k] != 1;
            outerStrides[k] = reduced ? 0 : src.Strides[k];
            innerShape[k] = reduced ? src.Shape[k] : 1;
            innerStrides[k] = reduced ? src.Strides[k] : 0;
        }
        return (new StridedLayout(dst.Shape, outerStrides, src.Offset), new StridedLayout(innerShape, innerStrides, 0));
    }
}
