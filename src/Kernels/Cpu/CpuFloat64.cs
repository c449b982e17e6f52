using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Cpu;

// The Float64 bodies of the float primitives (map, zip and their backward, where, fill, random,
// argmax, matmul, im2col/col2im, gather/scatter-add): plain double loops over the same row walk
// (Rows) as the float32 kernels, calling the op structs' double members. Float64 is the checking
// dtype, so these aim at correctness and a fixed summation order, not speed (no SIMD). The public
// entry points in CpuElementwise/CpuMatMul/... branch here on the element type.
// Oracle: Float64Tests (Math.* references, naive double loops) and the GPU parity tests.
public sealed partial class CpuBackend
{
    private static void CheckFloat64(string op, params DeviceBuffer?[] buffers)
    {
        foreach (var b in buffers)
            if (b is not null && b.ElementType != ElementType.Float64)
                throw new ArgumentException($"{op}: Float64 operands need Float64 buffers throughout, got {b.ElementType}; promote first");
    }

    private static void MapFloat64<TOp>(TOp op, CpuBuffer x, StridedLayout xl, CpuBuffer y, StridedLayout yl) where TOp : struct, IUnaryOp
    {
        CheckFloat64("map", y);
        Rows(yl.Size, [xl, yl], (o, n, st) =>
        {
            Span<double> xs = x.Storage<double>(), ys = y.Storage<double>();
            for (int i = 0; i < n; i++) ys[o[1] + i * st[1]] = op.Forward(xs[o[0] + i * st[0]]);
        });
    }

    private static void MapBackwardFloat64<TOp>(TOp op, CpuBuffer x, StridedLayout xl, CpuBuffer y, StridedLayout yl,
        CpuBuffer gy, StridedLayout gyl, CpuBuffer gx, StridedLayout gxl) where TOp : struct, IUnaryOp
    {
        CheckFloat64("map backward", y, gy, gx);
        Rows(gxl.Size, [xl, yl, gyl, gxl], (o, n, st) =>
        {
            Span<double> xs = x.Storage<double>(), ys = y.Storage<double>(), gys = gy.Storage<double>(), gxs = gx.Storage<double>();
            for (int i = 0; i < n; i++)
                gxs[o[3] + i * st[3]] = op.Backward(xs[o[0] + i * st[0]], ys[o[1] + i * st[1]], gys[o[2] + i * st[2]]);
        });
    }

    private static void ZipFloat64<TOp>(TOp op, CpuBuffer a, StridedLayout al, CpuBuffer b, StridedLayout bl, CpuBuffer c, StridedLayout cl)
        where TOp : struct, IBinaryOp
    {
        CheckFloat64("zip", b, c);
        Rows(cl.Size, [al, bl, cl], (o, n, st) =>
        {
            Span<double> xa = a.Storage<double>(), xb = b.Storage<double>(), xc = c.Storage<double>();
            for (int i = 0; i < n; i++) xc[o[2] + i * st[2]] = op.Forward(xa[o[0] + i * st[0]], xb[o[1] + i * st[1]]);
        });
    }

    private static void ZipBackwardFloat64<TOp>(TOp op, CpuBuffer a, StridedLayout al, CpuBuffer b, StridedLayout bl,
        CpuBuffer gc, StridedLayout gcl, CpuBuffer? ga, CpuBuffer? gb) where TOp : struct, IBinaryOp
    {
        CheckFloat64("zip backward", b, gc, ga, gb);
        var dense = StridedLayout.Contiguous(gcl.Shape);
        Rows(gcl.Size, [al, bl, gcl, dense], (o, n, st) =>
        {
            Span<double> xa = a.Storage<double>(), xb = b.Storage<double>(), xg = gc.Storage<double>();
            Span<double> xga = ga is null ? default : ga.Storage<double>(), xgb = gb is null ? default : gb.Storage<double>();
            for (int i = 0; i < n; i++)
            {
                double va = xa[o[0] + i * st[0]], vb = xb[o[1] + i * st[1]], g = xg[o[2] + i * st[2]];
                int k = o[3] + i * st[3];
                if (ga is not null) xga[k] = op.GradA(va, vb, g);
                if (gb is not null) xgb[k] = op.GradB(va, vb, g);
            }
        });
    }

    // cond is Float32 or Bool (as the float32 kernel); a, b and dst are Float64.
    private static void WhereFloat64(CpuBuffer cond, StridedLayout cl, CpuBuffer a, StridedLayout al, CpuBuffer b, StridedLayout bl,
        CpuBuffer d, StridedLayout dl)
    {
        CheckFloat64("where", b, d);
        Rows(dl.Size, [cl, al, bl, dl], (o, n, st) =>
        {
            Span<double> xa = a.Storage<double>(), xb = b.Storage<double>(), xd = d.Storage<double>();
            Span<byte> flags = cond.ElementType == ElementType.Bool ? cond.Storage<byte>() : default;
            Span<float> floats = cond.ElementType == ElementType.Float32 ? cond.Storage<float>() : default;
            bool isBool = cond.ElementType == ElementType.Bool;
            for (int i = 0; i < n; i++)
            {
                int ci = o[0] + i * st[0];
                bool take = isBool ? flags[ci] != 0 : floats[ci] != 0f;
                xd[o[3] + i * st[3]] = take ? xa[o[1] + i * st[1]] : xb[o[2] + i * st[2]];
            }
        });
    }

    private static void RandomFloat64(RandomKind kind, double a, double b, ulong seed, ulong counter, CpuBuffer dst, long dstOffset, long length)
    {
        int start = (int)dstOffset;
        For(length, (lo, hi) =>
        {
            Span<double> d = dst.Storage<double>();
            for (long i = lo; i < hi; i++) d[start + (int)i] = CounterRandom.SampleDouble(kind, a, b, seed, counter + (ulong)i);
        });
    }

    private static void ArgMaxFloat64(CpuBuffer src, StridedLayout srcLayout, int dim, CpuBuffer d, StridedLayout dstLayout)
    {
        int length = srcLayout.Shape[dim], stride = srcLayout.Strides[dim];
        var outerSrc = new StridedLayout(dstLayout.Shape, srcLayout.Strides, srcLayout.Offset);
        Rows(dstLayout.Size, [outerSrc, dstLayout], (o, n, st) =>
        {
            Span<double> s = src.Storage<double>();
            Span<long> ids = d.ElementType == ElementType.Int64 ? d.Storage<long>() : default;
            Span<float> floats = d.ElementType == ElementType.Float32 ? d.Storage<float>() : default;
            for (int i = 0; i < n; i++)
            {
                int start = o[0] + i * st[0], best = 0;
                double bestValue = s[start];
                for (int j = 1; j < length; j++)
                {
                    double v = s[start + j * stride];
                    if (v > bestValue || (double.IsNaN(v) && !double.IsNaN(bestValue))) { bestValue = v; best = j; }
                }
                if (d.ElementType == ElementType.Int64) ids[o[1] + i * st[1]] = best;
                else floats[o[1] + i * st[1]] = best;
            }
        });
    }

    // c[i, j] (+)= Σ_k a[i, k]·b[k, j] per batch, k ascending (the naive order: reproducible in double).
    private static void MatMulFloat64(CpuBuffer a, BatchedMatrix ma, CpuBuffer b, BatchedMatrix mb, CpuBuffer c, BatchedMatrix mc, bool accumulate)
    {
        CheckFloat64("matmul", b, c);
        int m = mc.Rows, n = mc.Cols, kk = ma.Cols;
        For((long)mc.Count * m, (lo, hi) =>
        {
            Span<double> xa = a.Storage<double>(), xb = b.Storage<double>(), xc = c.Storage<double>();
            for (long t = lo; t < hi; t++)
            {
                int bi = (int)(t / m), i = (int)(t % m);
                int aRow = ma.OffsetOf(bi) + i * ma.RowStride, bBase = mb.OffsetOf(bi), cRow = mc.OffsetOf(bi) + i * mc.RowStride;
                for (int j = 0; j < n; j++)
                {
                    double acc = accumulate ? xc[cRow + j] : 0.0;
                    for (int k = 0; k < kk; k++) acc += xa[aRow + k * ma.ColStride] * xb[bBase + k * mb.RowStride + j * mb.ColStride];
                    xc[cRow + j] = acc;
                }
            }
        }, (long)n * Math.Max(kk, 1));
    }

    private static void Im2ColFloat64(CpuBuffer x, Conv2DGeometry g, CpuBuffer cols, double padValue)
    {
        CheckFloat64("im2col", cols);
        int rows = g.ColumnRows, pq = g.ColumnCols;
        For((long)g.N * rows, (lo, hi) =>
        {
            Span<double> xs = x.Storage<double>(), cs = cols.Storage<double>();
            for (long t = lo; t < hi; t++)
            {
                int n = (int)(t / rows), row = (int)(t % rows);
                int c = row / (g.R * g.S), r = row / g.S % g.R, s = row % g.S;
                int xBase = (n * g.C + c) * g.H * g.W;
                for (int p = 0; p < g.P; p++)
                for (int q = 0; q < g.Q; q++)
                {
                    int h = p * g.StrideH - g.PadH + r * g.DilationH, w = q * g.StrideW - g.PadW + s * g.DilationW;
                    cs[(int)t * pq + p * g.Q + q] = h >= 0 && h < g.H && w >= 0 && w < g.W ? xs[xBase + h * g.W + w] : padValue;
                }
            }
        }, pq);
    }

    private static void Col2ImFloat64(CpuBuffer cols, Conv2DGeometry g, CpuBuffer x)
    {
        CheckFloat64("col2im", x);
        int rows = g.ColumnRows, pq = g.ColumnCols;
        // One task per (n, c) plane: all columns that write into it are read by that task alone.
        For((long)g.N * g.C, (lo, hi) =>
        {
            Span<double> xs = x.Storage<double>(), cs = cols.Storage<double>();
            for (long plane = lo; plane < hi; plane++)
            {
                int n = (int)(plane / g.C), c = (int)(plane % g.C);
                var xPlane = xs.Slice((int)plane * g.H * g.W, g.H * g.W);
                xPlane.Clear();
                for (int r = 0; r < g.R; r++)
                for (int s = 0; s < g.S; s++)
                {
                    int colBase = (n * rows + (c * g.R + r) * g.S + s) * pq;
                    for (int p = 0; p < g.P; p++)
                    for (int q = 0; q < g.Q; q++)
                    {
                        int h = p * g.StrideH - g.PadH + r * g.DilationH, w = q * g.StrideW - g.PadW + s * g.DilationW;
                        if (h >= 0 && h < g.H && w >= 0 && w < g.W) xPlane[h * g.W + w] += cs[colBase + p * g.Q + q];
                    }
                }
            }
        }, (long)g.R * g.S * pq);
    }

    private static void GatherFloat64(CpuBuffer s, StridedLayout srcLayout, int dim, CpuBuffer ix, StridedLayout indexLayout,
        CpuBuffer d, StridedLayout dstLayout)
    {
        CheckFloat64("gather", d);
        var outerSrc = new StridedLayout(indexLayout.Shape, WithZero(srcLayout.Strides, dim), srcLayout.Offset);
        int limit = srcLayout.Shape[dim], stride = srcLayout.Strides[dim];
        Rows(indexLayout.Size, [outerSrc, indexLayout, dstLayout], (o, n, st) =>
        {
            Span<double> xs = s.Storage<double>(), xd = d.Storage<double>();
            for (int i = 0; i < n; i++)
            {
                int j = CheckedIndex("gather", ix, o[1] + i * st[1], limit);
                xd[o[2] + i * st[2]] = xs[o[0] + i * st[0] + j * stride];
            }
        });
    }

    private static void ScatterAddFloat64(CpuBuffer s, StridedLayout srcLayout, int dim, CpuBuffer ix, StridedLayout indexLayout,
        CpuBuffer d, StridedLayout dstLayout)
    {
        CheckFloat64("scatter_add", d);
        var outerDst = new StridedLayout(indexLayout.Shape, WithZero(dstLayout.Strides, dim), dstLayout.Offset);
        int limit = dstLayout.Shape[dim], stride = dstLayout.Strides[dim];
        var (_, merged) = LayoutCoalescer.Coalesce(srcLayout, indexLayout, outerDst);
        Span<double> xs = s.Storage<double>(), xd = d.Storage<double>();
        for (long e = 0; e < indexLayout.Size; e++)
        {
            int j = CheckedIndex("scatter_add", ix, merged[1].OffsetOf(e), limit);
            xd[merged[2].OffsetOf(e) + j * stride] += xs[merged[0].OffsetOf(e)];
        }
    }
}
