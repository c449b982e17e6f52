using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Cpu;

// Fast paths of the elementwise kernels for the common case: every operand dense, same shape.
// They skip layout coalescing and closures, which dominate the cost of small tensors
// (the per-op overhead target of issue 8). Oracle: the general strided path (ElementwiseTests).
public sealed partial class CpuBackend
{
    /// <summary>y[i] = op(x[i]) over n dense elements.</summary>
    private static void MapContiguous<TOp>(TOp op, float[] xs, int xo, float[] ys, int yo, int n) where TOp : struct, IUnaryOp
    {
        int i = 0;
        if (op.HasVector)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Forward(Vector256.Create(xs, xo + i)).CopyTo(ys, yo + i);
        }
        for (; i < n; i++) ys[yo + i] = op.Forward(xs[xo + i]);
    }

    /// <summary>c[i] = op(a[i], b[i]) over n dense elements.</summary>
    private static void ZipContiguous<TOp>(TOp op, float[] a, int ao, float[] b, int bo, float[] c, int co, int n) where TOp : struct, IBinaryOp
    {
        int i = 0;
        if (op.HasVector)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Forward(Vector256.Create(a, ao + i), Vector256.Create(b, bo + i)).CopyTo(c, co + i);
        }
        for (; i < n; i++) c[co + i] = op.Forward(a[ao + i], b[bo + i]);
    }

    private static bool TryMapContiguous<TOp>(TOp op, float[] xs, StridedLayout xl, float[] ys, StridedLayout yl) where TOp : struct, IUnaryOp
    {
        if (!xl.IsContiguous || !yl.IsContiguous) return false;
        int n = (int)yl.Size;
        if (n < ParallelThreshold) MapContiguous(op, xs, xl.Offset, ys, yl.Offset, n);
        else MapContiguousParallel(op, xs, xl.Offset, ys, yl.Offset, n);
        return true;
    }

    private static bool TryZipContiguous<TOp>(TOp op, float[] a, StridedLayout al, float[] b, StridedLayout bl, float[] c, StridedLayout cl)
        where TOp : struct, IBinaryOp
    {
        if (!al.IsContiguous || !bl.IsContiguous || !cl.IsContiguous) return false;
        int n = (int)cl.Size;
        if (n < ParallelThreshold) ZipContiguous(op, a, al.Offset, b, bl.Offset, c, cl.Offset, n);
        else ZipContiguousParallel(op, a, al.Offset, b, bl.Offset, c, cl.Offset, n);
        return true;
    }

    /// <summary>Backward of map when every operand is dense: gx[i] = op.Backward(x[i], y[i], gy[i]).</summary>
    private static bool TryMapBackwardContiguous<TOp>(TOp op, float[] xs, StridedLayout xl, float[] ys, StridedLayout yl,
        float[] gys, StridedLayout gyl, float[] gxs, StridedLayout gxl) where TOp : struct, IUnaryOp
    {
        if (!xl.IsContiguous || !yl.IsContiguous || !gyl.IsContiguous || !gxl.IsContiguous) return false;
        int n = (int)gxl.Size;
        if (n < ParallelThreshold) MapBackwardContiguous(op, xs, xl.Offset, ys, yl.Offset, gys, gyl.Offset, gxs, gxl.Offset, n);
        else if (op.HasVectorBackward) MapBackwardContiguousParallel(op, xs, xl.Offset, ys, yl.Offset, gys, gyl.Offset, gxs, gxl.Offset, n);
        else return false;
        return true;
    }

    /// <summary>gx[i] = op.Backward(x[i], y[i], gy[i]) over n dense elements, SIMD when the op has a vector backward.</summary>
    private static void MapBackwardContiguous<TOp>(TOp op, float[] xs, int xo, float[] ys, int yo, float[] gys, int go,
        float[] gxs, int o, int n) where TOp : struct, IUnaryOp
    {
        int i = 0;
        if (op.HasVectorBackward)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Backward(Vector256.Create(xs, xo + i), Vector256.Create(ys, yo + i), Vector256.Create(gys, go + i)).CopyTo(gxs, o + i);
        }
        for (; i < n; i++) gxs[o + i] = op.Backward(xs[xo + i], ys[yo + i], gys[go + i]);
    }

    private static void MapBackwardContiguousParallel<TOp>(TOp op, float[] xs, int xo, float[] ys, int yo, float[] gys, int go,
        float[] gxs, int o, int n) where TOp : struct, IUnaryOp =>
        For(n, new MapBackwardBody<TOp>(op, xs, xo, ys, yo, gys, go, gxs, o));

    // Struct bodies for the parallel paths: no closure or delegate per op on the big elementwise tensors of a step.
    private readonly struct MapBackwardBody<TOp>(TOp op, float[] xs, int xo, float[] ys, int yo, float[] gys, int go, float[] gxs, int o)
        : IRangeBody where TOp : struct, IUnaryOp
    {
        public void Run(long lo, long hi) =>
            MapBackwardContiguous(op, xs, xo + (int)lo, ys, yo + (int)lo, gys, go + (int)lo, gxs, o + (int)lo, (int)(hi - lo));
    }

    /// <summary>Backward of zip when a, b and gc are dense (no broadcast): the gradients are written densely.</summary>
    private static bool TryZipBackwardContiguous<TOp>(TOp op, float[] xa, StridedLayout al, float[] xb, StridedLayout bl,
        float[] xg, StridedLayout gl, float[]? xga, float[]? xgb) where TOp : struct, IBinaryOp
    {
        if (!al.IsContiguous || !bl.IsContiguous || !gl.IsContiguous || gl.Size >= ParallelThreshold) return false;
        int n = (int)gl.Size, ao = al.Offset, bo = bl.Offset, go = gl.Offset;
        if (xga != null)
            for (int i = 0; i < n; i++) xga[i] = op.GradA(xa[ao + i], xb[bo + i], xg[go + i]);
        if (xgb != null)
            for (int i = 0; i < n; i++) xgb[i] = op.GradB(xa[ao + i], xb[bo + i], xg[go + i]);
        return true;
    }

    private static void MapContiguousParallel<TOp>(TOp op, float[] xs, int xo, float[] ys, int yo, int n) where TOp : struct, IUnaryOp =>
        For(n, new MapBody<TOp>(op, xs, xo, ys, yo));

    private static void ZipContiguousParallel<TOp>(TOp op, float[] a, int ao, float[] b, int bo, float[] c, int co, int n)
        where TOp : struct, IBinaryOp =>
        For(n, new ZipBody<TOp>(op, a, ao, b, bo, c, co));

    private readonly struct MapBody<TOp>(TOp op, float[] xs, int xo, float[] ys, int yo) : IRangeBody where TOp : struct, IUnaryOp
    {
        public void Run(long lo, long hi) => MapContiguous(op, xs, xo + (int)lo, ys, yo + (int)lo, (int)(hi - lo));
    }

    private readonly struct ZipBody<TOp>(TOp op, float[] a, int ao, float[] b, int bo, float[] c, int co) : IRangeBody where TOp : struct, IBinaryOp
    {
        public void Run(long lo, long hi) => ZipContiguous(op, a, ao + (int)lo, b, bo + (int)lo, c, co + (int)lo, (int)(hi - lo));
    }
}
