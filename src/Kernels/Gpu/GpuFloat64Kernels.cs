using ILGPU;
using ILGPU.Algorithms;
using DeepNet.Kernels.Elements;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

// The Float64 kernels of the float primitives: the float32 kernels' indexing with double views and
// the op structs' double members (Forward(double), GradA(double, ...)), one thread per output element.
// Plain bodies (no tiles, no vector loads): Float64 is the checking dtype, correctness over speed.
// Matmul sums k in ascending order and col2im in the CPU's (r, s) order, so both backends agree to
// the last bit wherever the CPU does the same; scatter-add uses double atomics (sm_60+).
// Oracle: GpuFloat64ParityTests (CpuBackend on the same inputs).
internal static class GpuFloat64Kernels
{
    public static void FillKernel(Index1D i, GpuLayout dst, double value, ArrayView<double> d) =>
        d[dst.OffsetOf(i)] = value;

    public static void MapKernel<TOp>(Index1D i, TOp op, GpuLayout x, GpuLayout y, ArrayView<double> xs, ArrayView<double> ys)
        where TOp : struct, IUnaryOp =>
        ys[y.OffsetOf(i)] = op.Forward(xs[x.OffsetOf(i)]);

    public static void MapBackwardKernel<TOp>(Index1D i, TOp op, GpuLayout x, GpuLayout y, GpuLayout gy, GpuLayout gx,
        ArrayView<double> xs, ArrayView<double> ys, ArrayView<double> gys, ArrayView<double> gxs)
        where TOp : struct, IUnaryOp =>
        gxs[gx.OffsetOf(i)] = op.Backward(xs[x.OffsetOf(i)], ys[y.OffsetOf(i)], gys[gy.OffsetOf(i)]);

    public static void ZipKernel<TOp>(Index1D i, TOp op, GpuLayout a, GpuLayout b, GpuLayout c,
        ArrayView<double> xa, ArrayView<double> xb, ArrayView<double> xc)
        where TOp : struct, IBinaryOp =>
        xc[c.OffsetOf(i)] = op.Forward(xa[a.OffsetOf(i)], xb[b.OffsetOf(i)]);

    // outputs bit 1 = ga, bit 2 = gb; an absent output is a never-written stand-in view
    public static void ZipBackwardKernel<TOp>(Index1D i, TOp op, GpuLayout a, GpuLayout b, GpuLayout gc, GpuLayout dense,
        ArrayView<double> xa, ArrayView<double> xb, ArrayView<double> xg, ArrayView<double> xga, ArrayView<double> xgb, int outputs)
        where TOp : struct, IBinaryOp
    {
        double va = xa[a.OffsetOf(i)], vb = xb[b.OffsetOf(i)], g = xg[gc.OffsetOf(i)];
        int k = dense.OffsetOf(i);
        if ((outputs & 1) != 0) xga[k] = op.GradA(va, vb, g);
        if ((outputs & 2) != 0) xgb[k] = op.GradB(va, vb, g);
    }

    // cond: Float32 0/1 (WhereFunction turns a Bool condition into that)
    public static void WhereKernel(Index1D i, GpuLayout cond, GpuLayout a, GpuLayout b, GpuLayout dst,
        ArrayView<float> xc, ArrayView<double> xa, ArrayView<double> xb, ArrayView<double> xd) =>
        xd[dst.OffsetOf(i)] = xc[cond.OffsetOf(i)] != 0f ? xa[a.OffsetOf(i)] : xb[b.OffsetOf(i)];

    public static void RandomKernel(Index1D i, int kind, double a, double b, ulong seed, ulong counter, int offset, ArrayView<double> d) =>
        d[offset + i] = CounterRandom.SampleDouble((RandomKind)kind, a, b, seed, counter + (ulong)i.X);

    public static void ArgMaxKernel<TD, AD>(Index1D o, GpuLayout outerSrc, GpuLayout dst, int length, int stride,
        ArrayView<double> s, ArrayView<TD> d) where TD : unmanaged where AD : struct, IElement<TD>
    {
        int start = outerSrc.OffsetOf(o), best = 0;
        double bestValue = s[start];
        for (int j = 1; j < length; j++)
        {
            double v = s[start + j * stride];
            if (v > bestValue || (double.IsNaN(v) && !double.IsNaN(bestValue)))
            {
                bestValue = v;
                best = j;
            }
        }
        d[dst.OffsetOf(o)] = default(AD).FromInt64(best);
    }

    // t: flat index of c over [batch, M, N]; strides from GemmArgs, batch offsets from the batch layouts
    public static void MatMulKernel(Index1D t, GemmArgs g, GpuLayout batchA, GpuLayout batchB, GpuLayout batchC,
        ArrayView<double> a, ArrayView<double> b, ArrayView<double> c)
    {
        int j = t % g.N, i = t / g.N % g.M, bi = t / (g.N * g.M);
        int aRow = batchA.OffsetOf(bi) + i * g.ARow, bBase = batchB.OffsetOf(bi) + j * g.BCol;
        int ci = batchC.OffsetOf(bi) + i * g.CRow + j * g.CCol;
        double acc = g.Accumulate != 0 ? c[ci] : 0.0;
        for (int k = 0; k < g.K; k++) acc += a[aRow + k * g.ACol] * b[bBase + k * g.BRow];
        c[ci] = acc;
    }
}
