using ILGPU;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

// Elementwise kernels: strided copy, fill, map, map-backward, zip, zip-backward, where, random.
// One thread per element of the (coalesced) common shape; every operand has its own GpuLayout,
// so broadcasts (stride 0), transposes and slices need no copies. Map/Zip are generic over the
// operator structs in src/Kernels/Ops, which are compiled into the kernel (one compile per op).
// Oracle: tests/DeepNet.Tests/Kernels/Gpu/GpuParityTests (CpuBackend on the same inputs).
internal static class GpuElementwiseKernels
{
    // s, d: strided views of one shape
    public static void CopyKernel(Index1D i, GpuLayout src, GpuLayout dst, ArrayView<float> s, ArrayView<float> d) =>
        d[dst.OffsetOf(i)] = s[src.OffsetOf(i)];

    public static void FillKernel(Index1D i, GpuLayout dst, float value, ArrayView<float> d) =>
        d[dst.OffsetOf(i)] = value;

    // y = op(x)
    public static void MapKernel<TOp>(Index1D i, TOp op, GpuLayout x, GpuLayout y, ArrayView<float> xs, ArrayView<float> ys)
        where TOp : struct, IUnaryOp =>
        ys[y.OffsetOf(i)] = op.Forward(xs[x.OffsetOf(i)]);

    // gx = op.Backward(x, y, gy)
    public static void MapBackwardKernel<TOp>(Index1D i, TOp op, GpuLayout x, GpuLayout y, GpuLayout gy, GpuLayout gx,
        ArrayView<float> xs, ArrayView<float> ys, ArrayView<float> gys, ArrayView<float> gxs)
        where TOp : struct, IUnaryOp =>
        gxs[gx.OffsetOf(i)] = op.Backward(xs[x.OffsetOf(i)], ys[y.OffsetOf(i)], gys[gy.OffsetOf(i)]);

    // c = op(a, b); a and b already broadcast to c's shape
    public static void ZipKernel<TOp>(Index1D i, TOp op, GpuLayout a, GpuLayout b, GpuLayout c,
        ArrayView<float> xa, ArrayView<float> xb, ArrayView<float> xc)
        where TOp : struct, IBinaryOp =>
        xc[c.OffsetOf(i)] = op.Forward(xa[a.OffsetOf(i)], xb[b.OffsetOf(i)]);

    // ga = op.GradA(a, b, gc), gb = op.GradB(a, b, gc); ga, gb dense of gc's shape; outputs bit 1 = ga, bit 2 = gb
    public static void ZipBackwardKernel<TOp>(Index1D i, TOp op, GpuLayout a, GpuLayout b, GpuLayout gc, GpuLayout dense,
        ArrayView<float> xa, ArrayView<float> xb, ArrayView<float> xg, ArrayView<float> xga, ArrayView<float> xgb, int outputs)
        where TOp : struct, IBinaryOp
    {
        float va = xa[a.OffsetOf(i)], vb = xb[b.OffsetOf(i)], g = xg[gc.OffsetOf(i)];
        int k = dense.OffsetOf(i);
        if ((outputs & 1) != 0) xga[k] = op.GradA(va, vb, g);
        if ((outputs & 2) != 0) xgb[k] = op.GradB(va, vb, g);
    }

    // d = cond != 0 ? a : b
    public static void WhereKernel(Index1D i, GpuLayout cond, GpuLayout a, GpuLayout b, GpuLayout dst,
        ArrayView<float> xc, ArrayView<float> xa, ArrayView<float> xb, ArrayView<float> xd) =>
        xd[dst.OffsetOf(i)] = xc[cond.OffsetOf(i)] != 0f ? xa[a.OffsetOf(i)] : xb[b.OffsetOf(i)];

    // d[offset + i] = sample(seed, counter + i), the same counter-based generator as the CPU backend.
    // The offset is an argument, not a sub-view: ILGPU assumes view parameters are 256-byte aligned.
    public static void RandomKernel(Index1D i, int kind, float a, float b, ulong seed, ulong counter, int offset, ArrayView<float> d) =>
        d[offset + i] = CounterRandom.Sample((RandomKind)kind, a, b, seed, counter + (ulong)i.X);
}
