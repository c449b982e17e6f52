using System.Buffers;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Fused softmax / log-softmax along one dim of x viewed as [Outer, Dim, Inner] (SoftmaxShape):
//   softmax:     y = exp(x − m) / Σ exp(x − m),   m = max over the dim (the stability shift)
//   log-softmax: y = (x − m) − log Σ exp(x − m)   (in this order: exact at the max for large x)
// CPU: Inner = 1 (the last dim, what attention and classifiers use) runs each row through
// TensorPrimitives (max, exp, sum: Vector512/256 inside); Inner > 1 runs the same passes over
// whole [Inner] slices, so the SIMD lanes span Inner. Parallel over rows / outer blocks.
// GPU: one thread per row, three passes. Backward from the saved output y alone:
//   softmax dx = y·(dy − Σ dy·y),  log-softmax dx = dy − exp(y)·Σ dy.
// Oracle: tests/DeepNet.Tests/Tensors/SoftmaxFusedTests (equality with the max-shift composite,
// forward and gradients, CPU and emulator) and SoftmaxTests (double reference, gradchecks).

/// <summary>
/// y = softmax(x) (or log_softmax when <paramref name="Log"/> is 1) along the Dim axis of
/// <see cref="SoftmaxShape"/>. x: contiguous from XOffset; y: x's shape dense.
/// </summary>
public readonly record struct Softmax(SoftmaxShape Shape, int Log, DeviceBuffer X, int XOffset, DeviceBuffer Y) : IFusedOp
{
    public string Name => Log != 0 ? "log_softmax" : "softmax";

    public void RunCpu(CpuBackend cpu)
    {
        var s = Shape;
        if (s.Size == 0) return;
        float[] x = CpuBackend.Data(X), y = CpuBackend.Data(Y);
        int x0 = XOffset, dim = s.Dim, inner = s.Inner;
        bool log = Log != 0;
        if (inner == 1)
        {
            CpuBackend.For(s.Outer, (lo, hi) =>
            {
                for (long r = lo; r < hi; r++)
                {
                    var xr = x.AsSpan(x0 + (int)r * dim, dim);
                    var yr = y.AsSpan((int)r * dim, dim);
                    float m = TensorPrimitives.Max(xr);
                    TensorPrimitives.Subtract(xr, m, yr);
                    TensorPrimitives.Exp(yr, yr);
                    float sum = TensorPrimitives.Sum(yr);
                    if (log)
                    {
                        // (x − m) − log Σ, not x − (m + log Σ): exact at the max even for large logits
                        TensorPrimitives.Subtract(xr, m, yr);
                        TensorPrimitives.Subtract(yr, MathF.Log(sum), yr);
                    }
                    else TensorPrimitives.Multiply(yr, 1f / sum, yr);
                }
            }, dim * 4L);
            return;
        }
        CpuBackend.For(s.Outer, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(2 * inner);
            try
            {
                var m = scratch.AsSpan(0, inner);
                var sum = scratch.AsSpan(inner, inner);
                for (long o = lo; o < hi; o++)
                {
                    int b = (int)o * dim * inner;
                    x.AsSpan(x0 + b, inner).CopyTo(m);
                    for (int d = 1; d < dim; d++) TensorPrimitives.Max(m, x.AsSpan(x0 + b + d * inner, inner), m);
                    sum.Clear();
                    for (int d = 0; d < dim; d++)
                    {
                        var yd = y.AsSpan(b + d * inner, inner);
                        TensorPrimitives.Subtract(x.AsSpan(x0 + b + d * inner, inner), m, yd);
                        TensorPrimitives.Exp(yd, yd);
                        TensorPrimitives.Add(sum, yd, sum);
                    }
                    if (log)
                    {
                        TensorPrimitives.Log(sum, sum);
                        for (int d = 0; d < dim; d++)
                        {
                            var yd = y.AsSpan(b + d * inner, inner);
                            TensorPrimitives.Subtract(x.AsSpan(x0 + b + d * inner, inner), m, yd);
                            TensorPrimitives.Subtract(yd, sum, yd);
                        }
                    }
                    else
                    {
                        TensorPrimitives.Reciprocal(sum, sum);
                        for (int d = 0; d < dim; d++)
                        {
                            var yd = y.AsSpan(b + d * inner, inner);
                            TensorPrimitives.Multiply(yd, sum, yd);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }, (long)dim * inner * 4);
    }

    public void RunGpu(GpuBackend gpu)
    {
        if (Shape.Size == 0) return;
        var kernel = gpu.FusedKernel(typeof(Softmax), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, SoftmaxShape, int, int, View, View>(ForwardKernel));
        kernel(gpu.Count(Shape.Rows), Shape, Log, XOffset, gpu.View(X), gpu.View(Y));
    }

    // one thread per row r = o·Inner + i: elements x[x0 + (o·Dim + d)·Inner + i], d < Dim; y dense
    private static void ForwardKernel(Index1D r, SoftmaxShape s, int log, int x0, View x, View y)
    {
        int o = r / s.Inner, i = r - o * s.Inner, b = o * s.Dim * s.Inner + i;
        float m = float.NegativeInfinity;
        for (int d = 0; d < s.Dim; d++) m = MathF.Max(m, x[x0 + b + d * s.Inner]);
        float sum = 0f;
        for (int d = 0; d < s.Dim; d++) sum += MathF.Exp(x[x0 + b + d * s.Inner] - m);
        float logSum = MathF.Log(sum), inv = 1f / sum;
        for (int d = 0; d < s.Dim; d++)
        {
            float v = x[x0 + b + d * s.Inner];
            y[b + d * s.Inner] = log != 0 ? v - m - logSum : MathF.Exp(v - m) * inv;
        }
    }
}

/// <summary>
/// Backward of <see cref="Softmax"/> from its output: softmax dx = y·(dy − Σ dy·y), log-softmax
/// dx = dy − exp(y)·Σ dy, sums along the dim. y: the forward's output (dense); gradY: contiguous
/// from GradYOffset; gradX: dense.
/// </summary>
public readonly record struct SoftmaxBackward(SoftmaxShape Shape, int Log, DeviceBuffer Y,
    DeviceBuffer GradY, int GradYOffset, DeviceBuffer GradX) : IFusedOp
{
    public string Name => Log != 0 ? "log_softmax backward" : "softmax backward";

    public void RunCpu(CpuBackend cpu)
    {
        var s = Shape;
        if (s.Size == 0) return;
        float[] y = CpuBackend.Data(Y), gy = CpuBackend.Data(GradY), gx = CpuBackend.Data(GradX);
        int g0 = GradYOffset, dim = s.Dim, inner = s.Inner;
        bool log = Log != 0;
        if (inner == 1)
        {
            CpuBackend.For(s.Outer, (lo, hi) =>
            {
                for (long r = lo; r < hi; r++)
                {
                    var yr = y.AsSpan((int)r * dim, dim);
                    var gyr = gy.AsSpan(g0 + (int)r * dim, dim);
                    var gxr = gx.AsSpan((int)r * dim, dim);
                    if (log)
                    {
                        float total = TensorPrimitives.Sum(gyr);
                        TensorPrimitives.Exp(yr, gxr);
                        TensorPrimitives.MultiplyAdd(gxr, -total, gyr, gxr);
                    }
                    else
                    {
                        TensorPrimitives.Subtract(gyr, TensorPrimitives.Dot(gyr, yr), gxr);
                        TensorPrimitives.Multiply(gxr, yr, gxr);
                    }
                }
            }, dim * 4L);
            return;
        }
        CpuBackend.For(s.Outer, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(inner);
            try
            {
                var t = scratch.AsSpan(0, inner);
                for (long o = lo; o < hi; o++)
                {
                    int b = (int)o * dim * inner;
                    t.Clear();
                    for (int d = 0; d < dim; d++)
                    {
                        var gyd = gy.AsSpan(g0 + b + d * inner, inner);
                        if (log) TensorPrimitives.Add(t, gyd, t);
                        else TensorPrimitives.MultiplyAdd(gyd, y.AsSpan(b + d * inner, inner), t, t);
                    }
                    for (int d = 0; d < dim; d++)
                    {
                        var yd = y.AsSpan(b + d * inner, inner);
                        var gyd = gy.AsSpan(g0 + b + d * inner, inner);
                        var gxd = gx.AsSpan(b + d * inner, inner);
                        if (log)
                        {
                            TensorPrimitives.Exp(yd, gxd);
                            TensorPrimitives.Multiply(gxd, t, gxd);
                            TensorPrimitives.Subtract(gyd, gxd, gxd);
                        }
                        else
                        {
                            TensorPrimitives.Subtract(gyd, t, gxd);
                            TensorPrimitives.Multiply(gxd, yd, gxd);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }, (long)dim * inner * 4);
    }

    public void RunGpu(GpuBackend gpu)
    {
        if (Shape.Size == 0) return;
        var kernel = gpu.FusedKernel(typeof(SoftmaxBackward), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, SoftmaxShape, int, int, View, View, View>(BackwardKernel));
        kernel(gpu.Count(Shape.Rows), Shape, Log, GradYOffset, gpu.View(Y), gpu.View(GradY), gpu.View(GradX));
    }

    // one thread per row, as the forward; y, gx dense; gy from g0
    private static void BackwardKernel(Index1D r, SoftmaxShape s, int log, int g0, View y, View gy, View gx)
    {
        int o = r / s.Inner, i = r - o * s.Inner, b = o * s.Dim * s.Inner + i;
        float t = 0f;
        for (int d = 0; d < s.Dim; d++)
        {
            int at = b + d * s.Inner;
            t += log != 0 ? gy[g0 + at] : gy[g0 + at] * y[at];
        }
        for (int d = 0; d < s.Dim; d++)
        {
            int at = b + d * s.Inner;
            gx[at] = log != 0 ? gy[g0 + at] - MathF.Exp(y[at]) * t : y[at] * (gy[g0 + at] - t);
        }
    }
}
