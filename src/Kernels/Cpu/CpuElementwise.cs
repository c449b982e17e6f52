using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Cpu;

// Elementwise primitives: copy, fill, map, zip, where and their backward forms.
// Layouts are coalesced first; the innermost dim is the tight loop, SIMD when all are dense.
public sealed partial class CpuBackend
{
    public void Copy(DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (src.ElementType != dst.ElementType)
            throw new ArgumentException($"copy: source holds {src.ElementType} and destination {dst.ElementType}; converting is Cast's job");
        if (src.ElementType != ElementType.Float32)
        {
            CopyTyped(Cpu(src), srcLayout, Cpu(dst), dstLayout);
            return;
        }
        float[] s = Data(src), d = Data(dst);
        if (srcLayout.IsContiguous && dstLayout.IsContiguous)
        {
            int n = (int)dstLayout.Size;
            s.AsSpan(srcLayout.Offset, n).CopyTo(d.AsSpan(dstLayout.Offset, n));
            return;
        }
        CopyStrided(s, srcLayout, d, dstLayout);
    }

    private static void CopyStrided(float[] s, StridedLayout srcLayout, float[] d, StridedLayout dstLayout)
    {
        Rows(dstLayout.Size, [srcLayout, dstLayout], (o, n, st) =>
        {
            if (st[0] == 1 && st[1] == 1) s.AsSpan(o[0], n).CopyTo(d.AsSpan(o[1], n));
            else for (int i = 0; i < n; i++) d[o[1] + i * st[1]] = s[o[0] + i * st[0]];
        });
    }

    public void Fill(DeviceBuffer dst, StridedLayout layout, float value)
    {
        if (dst.ElementType == ElementType.Float64)
        {
            var target = Cpu(dst);
            Rows(layout.Size, [layout], (o, n, st) =>
            {
                Span<double> d = target.Storage<double>();
                for (int i = 0; i < n; i++) d[o[0] + i * st[0]] = value;
            });
            return;
        }
        float[] d = Data(dst);
        if (layout.IsContiguous)
        {
            d.AsSpan(layout.Offset, (int)layout.Size).Fill(value);
            return;
        }
        FillStrided(d, layout, value);
    }

    private static void FillStrided(float[] d, StridedLayout layout, float value)
    {
        Rows(layout.Size, [layout], (o, n, st) =>
        {
            if (st[0] == 1) d.AsSpan(o[0], n).Fill(value);
            else for (int i = 0; i < n; i++) d[o[0] + i * st[0]] = value;
        });
    }

    public void Map<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout)
        where TOp : struct, IUnaryOp
    {
        if (x.ElementType == ElementType.Float64)
        {
            MapFloat64(op, Cpu(x), xLayout, Cpu(y), yLayout);
            return;
        }
        float[] xs = Data(x), ys = Data(y);
        if (!TryMapContiguous(op, xs, xLayout, ys, yLayout)) MapStrided(op, xs, xLayout, ys, yLayout);
    }

    private static void MapStrided<TOp>(TOp op, float[] xs, StridedLayout xLayout, float[] ys, StridedLayout yLayout)
        where TOp : struct, IUnaryOp
    {
        Rows(yLayout.Size, [xLayout, yLayout], (o, n, st) =>
        {
            int i = 0;
            if (op.HasVector && st[0] == 1 && st[1] == 1)
            {
                for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                    op.Forward(Vector256.Create(xs, o[0] + i)).CopyTo(ys, o[1] + i);
            }
            for (; i < n; i++) ys[o[1] + i * st[1]] = op.Forward(xs[o[0] + i * st[0]]);
        });
    }

    public void MapBackward<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout,
        DeviceBuffer gy, StridedLayout gyLayout, DeviceBuffer gx, StridedLayout gxLayout)
        where TOp : struct, IUnaryOp
    {
        if (x.ElementType == ElementType.Float64)
        {
            MapBackwardFloat64(op, Cpu(x), xLayout, Cpu(y), yLayout, Cpu(gy), gyLayout, Cpu(gx), gxLayout);
            return;
        }
        float[] xs = Data(x), ys = Data(y), gys = Data(gy), gxs = Data(gx);
        if (!TryMapBackwardContiguous(op, xs, xLayout, ys, yLayout, gys, gyLayout, gxs, gxLayout))
            MapBackwardStrided(op, xs, xLayout, ys, yLayout, gys, gyLayout, gxs, gxLayout);
    }

    private static void MapBackwardStrided<TOp>(TOp op, float[] xs, StridedLayout xLayout, float[] ys, StridedLayout yLayout,
        float[] gys, StridedLayout gyLayout, float[] gxs, StridedLayout gxLayout) where TOp : struct, IUnaryOp
    {
        Rows(gxLayout.Size, [xLayout, yLayout, gyLayout, gxLayout], (o, n, st) =>
        {
            for (int i = 0; i < n; i++)
                gxs[o[3] + i * st[3]] = op.Backward(xs[o[0] + i * st[0]], ys[o[1] + i * st[1]], gys[o[2] + i * st[2]]);
        });
    }

    public void Zip<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout)
        where TOp : struct, IBinaryOp
    {
        if (a.ElementType == ElementType.Float64)
        {
            ZipFloat64(op, Cpu(a), aLayout, Cpu(b), bLayout, Cpu(c), cLayout);
            return;
        }
        float[] xa = Data(a), xb = Data(b), xc = Data(c);
        if (!TryZipContiguous(op, xa, aLayout, xb, bLayout, xc, cLayout)) ZipStrided(op, xa, aLayout, xb, bLayout, xc, cLayout);
    }

    private static void ZipStrided<TOp>(TOp op, float[] xa, StridedLayout aLayout, float[] xb, StridedLayout bLayout,
        float[] xc, StridedLayout cLayout) where TOp : struct, IBinaryOp
    {
        Rows(cLayout.Size, [aLayout, bLayout, cLayout], (o, n, st) =>
        {
            int i = 0;
            if (op.HasVector && st[2] == 1 && st[0] == 1 && st[1] == 1)
            {
                for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                    op.Forward(Vector256.Create(xa, o[0] + i), Vector256.Create(xb, o[1] + i)).CopyTo(xc, o[2] + i);
            }
            else if (op.HasVector && st[2] == 1 && st[0] == 1 && st[1] == 0)
            {
                var vb = Vector256.Create(xb[o[1]]);   // row times a broadcast scalar: the bias/scale case
                for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                    op.Forward(Vector256.Create(xa, o[0] + i), vb).CopyTo(xc, o[2] + i);
            }
            for (; i < n; i++) xc[o[2] + i * st[2]] = op.Forward(xa[o[0] + i * st[0]], xb[o[1] + i * st[1]]);
        });
    }

    public void ZipBackward<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer gc, StridedLayout gcLayout, DeviceBuffer? ga, DeviceBuffer? gb)
        where TOp : struct, IBinaryOp
    {
        if (a.ElementType == ElementType.Float64)
        {
            ZipBackwardFloat64(op, Cpu(a), aLayout, Cpu(b), bLayout, Cpu(gc), gcLayout, ga is null ? null : Cpu(ga), gb is null ? null : Cpu(gb));
            return;
        }
        float[] xa = Data(a), xb = Data(b), xg = Data(gc);
        float[]? xga = ga is null ? null : Data(ga), xgb = gb is null ? null : Data(gb);
        if (!TryZipBackwardContiguous(op, xa, aLayout, xb, bLayout, xg, gcLayout, xga, xgb))
            ZipBackwardStrided(op, xa, aLayout, xb, bLayout, xg, gcLayout, xga, xgb);
    }

    private static void ZipBackwardStrided<TOp>(TOp op, float[] xa, StridedLayout aLayout, float[] xb, StridedLayout bLayout,
        float[] xg, StridedLayout gcLayout, float[]? xga, float[]? xgb) where TOp : struct, IBinaryOp
    {
        var dense = StridedLayout.Contiguous(gcLayout.Shape);
        Rows(gcLayout.Size, [aLayout, bLayout, gcLayout, dense], (o, n, st) =>
        {
            for (int i = 0; i < n; i++)
            {
                float va = xa[o[0] + i * st[0]], vb = xb[o[1] + i * st[1]], g = xg[o[2] + i * st[2]];
                int k = o[3] + i * st[3];
                if (xga != null) xga[k] = op.GradA(va, vb, g);
                if (xgb != null) xgb[k] = op.GradB(va, vb, g);
            }
        });
    }

    public void Where(DeviceBuffer cond, StridedLayout condLayout, DeviceBuffer a, StridedLayout aLayout,
        DeviceBuffer b, StridedLayout bLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (a.ElementType == ElementType.Float64)
        {
            WhereFloat64(Cpu(cond), condLayout, Cpu(a), aLayout, Cpu(b), bLayout, Cpu(dst), dstLayout);
            return;
        }
        float[] xc = Data(cond), xa = Data(a), xb = Data(b), xd = Data(dst);
        Rows(dstLayout.Size, [condLayout, aLayout, bLayout, dstLayout], (o, n, st) =>
        {
            for (int i = 0; i < n; i++)
                xd[o[3] + i * st[3]] = xc[o[0] + i * st[0]] != 0f ? xa[o[1] + i * st[1]] : xb[o[2] + i * st[2]];
        });
    }

    /// <summary>Row body: start offsets per layout, row length, inner strides per layout.</summary>
    internal delegate void RowBody(int[] offsets, int length, int[] innerStrides);

    /// <summary>
    /// Walks the common shape of the layouts row by row after coalescing; rows are split across
    /// threads when the total size passes the threshold.
    /// </summary>
    internal static void Rows(long size, StridedLayout[] layouts, RowBody body)
    {
        if (size == 0) return;
        var (shape, merged) = LayoutCoalescer.Coalesce(layouts);
        int rank = shape.Length, inner = shape[rank - 1];
        long rows = size / inner;
        var innerStrides = new int[merged.Length];
        for (int k = 0; k < merged.Length; k++) innerStrides[k] = merged[k].Strides[rank - 1];
        For(rows, (lo, hi) =>
        {
            var offsets = new int[merged.Length];
            for (long r = lo; r < hi; r++)
            {
                RowOffsets(r, shape, merged, offsets);
                body(offsets, inner, innerStrides);
            }
        }, inner);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowOffsets(long row, int[] shape, StridedLayout[] layouts, int[] offsets)
    {
        for (int k = 0; k < layouts.Length; k++) offsets[k] = layouts[k].Offset;
        for (int d = shape.Length - 2; d >= 0 && row > 0; d--)
        {
            long idx = row % shape[d];
            row /= shape[d];
            for (int k = 0; k < layouts.Length; k++) offsets[k] += (int)idx * layouts[k].Strides[d];
        }
    }
}
