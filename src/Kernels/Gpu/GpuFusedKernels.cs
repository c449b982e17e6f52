using ILGPU;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

// Fused kernels: softmax + cross entropy (forward: one thread per row of logits [N, C], row-major,
// max → Σ exp(x − max) → lse; backward: one thread per logit), bias + activation over x viewed as
// [Outer, Channels, Inner] (one thread per element, generic over the op struct).
// Offsets are arguments, not sub-views: ILGPU assumes view parameters are 256-byte aligned.
// A bad target cannot throw in a kernel: it is reported in status = [1, value] for the launcher.
// Oracles: GpuParityTests (CpuBackend on the same inputs) and tests/DeepNet.Tests/Tensors/FusedTests.
internal static class GpuFusedKernels
{
    // loss[r] = lse[r] − x[r, t[r]], lse[r] = log Σ_j exp(x[r, j]); x: [N, C] from x0, t: [N] from t0 with stride ts
    public static void SoftmaxCrossEntropyKernel(Index1D r, int c, int x0, int t0, int ts,
        ArrayView<float> x, ArrayView<float> t, ArrayView<float> loss, ArrayView<float> lse, ArrayView<float> status)
    {
        int row = x0 + r * c;
        float m = float.NegativeInfinity;
        for (int j = 0; j < c; j++) m = MathF.Max(m, x[row + j]);
        float s = 0f;
        for (int j = 0; j < c; j++) s += MathF.Exp(x[row + j] - m);
        float l = m + MathF.Log(s);
        lse[r] = l;
        float v = t[t0 + r * ts];
        int label = (int)v;
        if (label < 0 || label >= c || label != v)
        {
            status[1] = v;
            status[0] = 1f;
            loss[r] = float.NaN;
            return;
        }
        loss[r] = l - x[row + label];
    }

    // gx[r, j] = (exp(x[r, j] − lse[r]) − [j = t[r]])·g[r]; gx dense [N, C], g from g0 with stride gs (0 = broadcast)
    public static void SoftmaxCrossEntropyBackwardKernel(Index1D i, int c, int x0, int t0, int ts, int g0, int gs,
        ArrayView<float> x, ArrayView<float> t, ArrayView<float> lse, ArrayView<float> g, ArrayView<float> gx)
    {
        int r = i / c, j = i - r * c;
        float onehot = (int)t[t0 + r * ts] == j ? 1f : 0f;
        gx[i] = (MathF.Exp(x[x0 + i] - lse[r]) - onehot) * g[g0 + r * gs];
    }

    // y[i] = op(x[x0 + i] + b[b0 + channel(i)]), channel(i) = (i / Inner) mod Channels; y dense
    public static void BiasActivationKernel<TOp>(Index1D i, TOp op, BiasActivationShape s, int x0, int b0,
        ArrayView<float> x, ArrayView<float> b, ArrayView<float> y)
        where TOp : struct, IUnaryOp =>
        y[i] = op.Forward(x[x0 + i] + b[b0 + (i / s.Inner) % s.Channels]);

    // gz[i] = op.Backward(z, y[i], gy[g0 + i]) with z = x + b recomputed; y, gz dense
    public static void BiasActivationBackwardKernel<TOp>(Index1D i, TOp op, BiasActivationShape s, int x0, int b0, int g0,
        ArrayView<float> x, ArrayView<float> b, ArrayView<float> y, ArrayView<float> gy, ArrayView<float> gz)
        where TOp : struct, IUnaryOp =>
        gz[i] = op.Backward(x[x0 + i] + b[b0 + (i / s.Inner) % s.Channels], y[i], gy[g0 + i]);
}
