using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

// Elementwise launchers: coalesce the operands' layouts together, pack them, launch one thread
// per element. Kernels: GpuElementwiseKernels. Oracle: GpuParityTests.
public sealed partial class GpuBackend
{
    public void Copy(DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (src.ElementType != dst.ElementType)
            throw new ArgumentException($"copy: source holds {src.ElementType} and destination {dst.ElementType}; converting is Cast's job");
        if (dstLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("copy", srcLayout, dstLayout);
        if (src.ElementType != ElementType.Float32)
        {
            CopyTyped(src, l[0], dst, l[1], Count(dstLayout.Size));
            return;
        }
        _kernels.Copy.Value(Count(dstLayout.Size), l[0], l[1], View(src), View(dst));
    }

    public void Fill(DeviceBuffer dst, StridedLayout layout, float value)
    {
        if (dst.ElementType == ElementType.Float64)
        {
            FillFloat64(dst, layout, value);
            return;
        }
        if (layout.Size == 0) return;
        var l = GpuLayout.Coalesced("fill", layout);
        _kernels.Fill.Value(Count(layout.Size), l[0], value, View(dst));
    }

    public void Map<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout)
        where TOp : struct, IUnaryOp
    {
        if (x.ElementType == ElementType.Float64)
        {
            MapFloat64(op, x, xLayout, y, yLayout);
            return;
        }
        if (yLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("map", xLayout, yLayout);
        _kernels.Map<TOp>()(Count(yLayout.Size), op, l[0], l[1], View(x), View(y));
    }

    public void MapBackward<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout,
        DeviceBuffer gy, StridedLayout gyLayout, DeviceBuffer gx, StridedLayout gxLayout)
        where TOp : struct, IUnaryOp
    {
        if (x.ElementType == ElementType.Float64)
        {
            MapBackwardFloat64(op, x, xLayout, y, yLayout, gy, gyLayout, gx, gxLayout);
            return;
        }
        if (gxLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("map backward", xLayout, yLayout, gyLayout, gxLayout);
        _kernels.MapBackward<TOp>()(Count(gxLayout.Size), op, l[0], l[1], l[2], l[3], View(x), View(y), View(gy), View(gx));
    }

    public void Zip<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout)
        where TOp : struct, IBinaryOp
    {
        if (a.ElementType == ElementType.Float64)
        {
            ZipFloat64(op, a, aLayout, b, bLayout, c, cLayout);
            return;
        }
        if (cLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("zip", aLayout, bLayout, cLayout);
        _kernels.Zip<TOp>()(Count(cLayout.Size), op, l[0], l[1], l[2], View(a), View(b), View(c));
    }

    public void ZipBackward<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer gc, StridedLayout gcLayout, DeviceBuffer? ga, DeviceBuffer? gb)
        where TOp : struct, IBinaryOp
    {
        if (a.ElementType == ElementType.Float64)
        {
            ZipBackwardFloat64(op, a, aLayout, b, bLayout, gc, gcLayout, ga, gb);
            return;
        }
        if (gcLayout.Size == 0 || (ga is null && gb is null)) return;
        var dense = StridedLayout.Contiguous(gcLayout.Shape);
        var l = GpuLayout.Coalesced("zip backward", aLayout, bLayout, gcLayout, dense);
        int outputs = (ga is null ? 0 : 1) | (gb is null ? 0 : 2);
        // An absent output gets the status view: the kernel never writes it (its bit is clear).
        var viewA = ga is null ? StatusView : View(ga);
        var viewB = gb is null ? StatusView : View(gb);
        _kernels.ZipBackward<TOp>()(Count(gcLayout.Size), op, l[0], l[1], l[2], l[3], View(a), View(b), View(gc), viewA, viewB, outputs);
    }

    public void Where(DeviceBuffer cond, StridedLayout condLayout, DeviceBuffer a, StridedLayout aLayout,
        DeviceBuffer b, StridedLayout bLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (a.ElementType == ElementType.Float64)
        {
            WhereFloat64(cond, condLayout, a, aLayout, b, bLayout, dst, dstLayout);
            return;
        }
        if (dstLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("where", condLayout, aLayout, bLayout, dstLayout);
        _kernels.Where.Value(Count(dstLayout.Size), l[0], l[1], l[2], l[3], View(cond), View(a), View(b), View(dst));
    }
}
