using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Elements;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;
using static DeepNet.Kernels.Gpu.GpuFloat64Kernels;
using View = ILGPU.ArrayView<double>;

namespace DeepNet.Kernels.Gpu;

// Launchers of the Float64 kernels (GpuFloat64Kernels); the public primitives in GpuElementwise,
// GpuMatMul, GpuIm2Col, GpuGather and GpuReduce branch here on the element type. Each kernel is
// loaded once per accelerator through the keyed cache (FusedKernel), keyed "f64" plus the op.
// Oracle: GpuFloat64ParityTests.
public sealed partial class GpuBackend
{
    private View F64(DeviceBuffer buffer, string op)
    {
        if (buffer.ElementType != ElementType.Float64)
            throw new ArgumentException($"{op}: Float64 operands need Float64 buffers throughout, got {buffer.ElementType}; promote first");
        return ViewOf<double>(buffer);
    }

    private void FillFloat64(DeviceBuffer dst, StridedLayout layout, double value)
    {
        if (layout.Size == 0) return;
        var l = GpuLayout.Coalesced("fill", layout);
        FusedKernel("f64.fill", acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, double, View>(FillKernel))
            (Count(layout.Size), l[0], value, F64(dst, "fill"));
    }

    private void MapFloat64<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout) where TOp : struct, IUnaryOp
    {
        if (yLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("map", xLayout, yLayout);
        FusedKernel(("f64.map", typeof(TOp)), acc => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, View, View>(MapKernel))
            (Count(yLayout.Size), op, l[0], l[1], F64(x, "map"), F64(y, "map"));
    }

    private void MapBackwardFloat64<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout,
        DeviceBuffer gy, StridedLayout gyLayout, DeviceBuffer gx, StridedLayout gxLayout) where TOp : struct, IUnaryOp
    {
        if (gxLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("map backward", xLayout, yLayout, gyLayout, gxLayout);
        FusedKernel(("f64.map-backward", typeof(TOp)), acc =>
                acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View>(MapBackwardKernel))
            (Count(gxLayout.Size), op, l[0], l[1], l[2], l[3], F64(x, "map backward"), F64(y, "map backward"), F64(gy, "map backward"), F64(gx, "map backward"));
    }

    private void ZipFloat64<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout) where TOp : struct, IBinaryOp
    {
        if (cLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("zip", aLayout, bLayout, cLayout);
        FusedKernel(("f64.zip", typeof(TOp)), acc => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, View, View, View>(ZipKernel))
            (Count(cLayout.Size), op, l[0], l[1], l[2], F64(a, "zip"), F64(b, "zip"), F64(c, "zip"));
    }

    private void ZipBackwardFloat64<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer gc, StridedLayout gcLayout, DeviceBuffer? ga, DeviceBuffer? gb) where TOp : struct, IBinaryOp
    {
        if (gcLayout.Size == 0 || (ga is null && gb is null)) return;
        var dense = StridedLayout.Contiguous(gcLayout.Shape);
        var l = GpuLayout.Coalesced("zip backward", aLayout, bLayout, gcLayout, dense);
        int outputs = (ga is null ? 0 : 1) | (gb is null ? 0 : 2);
        var stand = StatusView.Cast<double>();   // never written: its output bit is clear
        FusedKernel(("f64.zip-backward", typeof(TOp)), acc =>
                acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View, View, int>(ZipBackwardKernel))
            (Count(gcLayout.Size), op, l[0], l[1], l[2], l[3], F64(a, "zip backward"), F64(b, "zip backward"), F64(gc, "zip backward"),
                ga is null ? stand : F64(ga, "zip backward"), gb is null ? stand : F64(gb, "zip backward"), outputs);
    }

    private void WhereFloat64(DeviceBuffer cond, StridedLayout condLayout, DeviceBuffer a, StridedLayout aLayout,
        DeviceBuffer b, StridedLayout bLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (dstLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("where", condLayout, aLayout, bLayout, dstLayout);
        FusedKernel("f64.where", acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, GpuLayout, ArrayView<float>, View, View, View>(WhereKernel))
            (Count(dstLayout.Size), l[0], l[1], l[2], l[3], View(cond), F64(a, "where"), F64(b, "where"), F64(dst, "where"));
    }

    private void RandomFloat64(RandomKind kind, double a, double b, ulong seed, ulong counter, DeviceBuffer dst, long dstOffset, long length)
    {
        if (length == 0) return;
        CheckRange(dst, dstOffset, length);
        FusedKernel("f64.random", acc => acc.LoadAutoGroupedStreamKernel<Index1D, int, double, double, ulong, ulong, int, View>(RandomKernel))
            (Count(length), (int)kind, a, b, seed, counter, (int)dstOffset, F64(dst, "random"));
    }

    private void ArgMaxFloat64(DeviceBuffer src, GpuLayout[] l, int length, int stride, DeviceBuffer dst, long size)
    {
        if (dst.ElementType == ElementType.Int64)
            FusedKernel("f64.argmax-i64", acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, int, int, View, ArrayView<long>>(
                    ArgMaxKernel<long, Int64Element>))
                (Count(size), l[0], l[1], length, stride, F64(src, "argmax"), ViewOf<long>(dst));
        else
            FusedKernel("f64.argmax-f32", acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, int, int, View, ArrayView<float>>(
                    ArgMaxKernel<float, Float32Element>))
                (Count(size), l[0], l[1], length, stride, F64(src, "argmax"), View(dst));
    }

    private void MatMulFloat64(GemmArgs args, GpuLayout[] batches, int count, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c)
    {
        FusedKernel("f64.matmul", acc => acc.LoadAutoGroupedStreamKernel<Index1D, GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View>(MatMulKernel))
            (Count((long)count * args.M * args.N), args, batches[0], batches[1], batches[2], F64(a, "matmul"), F64(b, "matmul"), F64(c, "matmul"));
    }

    private void Im2ColFloat64(DeviceBuffer x, Conv2DGeometry g, DeviceBuffer cols, double padValue, long size) =>
        FusedKernel("f64.im2col", acc => acc.LoadAutoGroupedStreamKernel<Index1D, Conv2DGeometry, double, View, View>(GpuIm2ColKernels.Im2ColKernel<double>))
            (Count(size), g, padValue, F64(x, "im2col"), F64(cols, "im2col"));

    private void Col2ImFloat64(DeviceBuffer cols, Conv2DGeometry g, DeviceBuffer x, long size) =>
        FusedKernel("f64.col2im", acc => acc.LoadAutoGroupedStreamKernel<Index1D, Conv2DGeometry, View, View>(GpuIm2ColKernels.Col2ImKernel<double, GpuDoubleSum>))
            (Count(size), g, F64(cols, "col2im"), F64(x, "col2im"));

    private void GatherFloat64<TI, AI>(Index1D count, GpuLayout[] l, int limit, int stride, DeviceBuffer src, DeviceBuffer index,
        DeviceBuffer dst, ArrayView<float> status) where TI : unmanaged where AI : struct, IElement<TI> =>
        FusedKernel(("f64.gather", typeof(TI)), acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, int, int,
                View, ArrayView<TI>, View, ArrayView<float>>(GpuGatherKernels.GatherKernel<double, TI, AI>))
            (count, l[0], l[1], l[2], limit, stride, F64(src, "gather"), ViewOf<TI>(index), F64(dst, "gather"), status);

    private void ScatterAddFloat64<TI, AI>(Index1D count, GpuLayout[] l, int limit, int stride, DeviceBuffer src, DeviceBuffer index,
        DeviceBuffer dst, ArrayView<float> status) where TI : unmanaged where AI : struct, IElement<TI> =>
        FusedKernel(("f64.scatter_add", typeof(TI)), acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, int, int,
                View, ArrayView<TI>, View, ArrayView<float>>(GpuGatherKernels.ScatterAddKernel<double, GpuDoubleSum, TI, AI>))
            (count, l[0], l[1], l[2], limit, stride, F64(src, "scatter_add"), ViewOf<TI>(index), F64(dst, "scatter_add"), status);
}
