using System.Runtime.Intrinsics;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using DeepNet.Kernels.Ops;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Fused y = op(x + bias) over x viewed as [Outer, Channels, Inner] (BiasActivationShape).
// CPU: [N, F] rows add the bias vector (Vector256 over F), [N, C, H·W] planes add one scalar per
// plane (Vector256 over H·W); ops without a SIMD body take the scalar loop; parallel over
// rows/planes above the threshold; the backward of [N, F] rows takes the op's vector backward when it has one.
// GPU: one thread per element, generic over the op struct.
// Backward recomputes z = x + bias instead of storing it.
// Oracle: tests/DeepNet.Tests/Tensors/FusedTests (equality with x.Add(bias).Relu() etc.).

/// <summary>
/// y = op(x + bias), bias [C] broadcast along the channel dim (<see cref="BiasActivationShape"/>).
/// x: [N, C, ...] or [N, F] contiguous from XOffset, bias: [C] contiguous from BiasOffset, y: x's shape dense.
/// </summary>
public readonly record struct BiasActivation<TOp>(TOp Op, BiasActivationShape Shape,
    DeviceBuffer X, int XOffset, DeviceBuffer Bias, int BiasOffset, DeviceBuffer Y) : IFusedOp
    where TOp : struct, IUnaryOp
{
    public string Name => "bias_activation";

    public void RunCpu(CpuBackend cpu)
    {
        var (op, s) = (Op, Shape);
        float[] xs = CpuBackend.Data(X), bs = CpuBackend.Data(Bias), ys = CpuBackend.Data(Y);
        int x0 = XOffset, b0 = BiasOffset;
        const int V = 8;   // Vector256<float>.Count
        if (s.Inner == 1)
        {
            CpuBackend.For(s.Outer, (lo, hi) =>
            {
                for (long r = lo; r < hi; r++)
                {
                    int xi = x0 + (int)r * s.Channels, yi = (int)r * s.Channels, j = 0;
                    if (op.HasVector)
                        for (; j <= s.Channels - V; j += V)
                            op.Forward(Vector256.Create(xs, xi + j) + Vector256.Create(bs, b0 + j)).CopyTo(ys, yi + j);
                    for (; j < s.Channels; j++) ys[yi + j] = op.Forward(xs[xi + j] + bs[b0 + j]);
                }
            }, s.Channels);
            return;
        }
        CpuBackend.For((long)s.Outer * s.Channels, (lo, hi) =>
        {
            for (long plane = lo; plane < hi; plane++)
            {
                float b = bs[b0 + (int)(plane % s.Channels)];
                int xi = x0 + (int)plane * s.Inner, yi = (int)plane * s.Inner, j = 0;
                if (op.HasVector)
                {
                    var vb = Vector256.Create(b);
                    for (; j <= s.Inner - V; j += V) op.Forward(Vector256.Create(xs, xi + j) + vb).CopyTo(ys, yi + j);
                }
                for (; j < s.Inner; j++) ys[yi + j] = op.Forward(xs[xi + j] + b);
            }
        }, s.Inner);
    }

    public void RunGpu(GpuBackend gpu)
    {
        if (Shape.Size == 0) return;
        var kernel = gpu.FusedKernel(typeof(BiasActivation<TOp>), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, TOp, BiasActivationShape, int, int, View, View, View>(ForwardKernel));
        kernel(gpu.Count(Shape.Size), Op, Shape, XOffset, BiasOffset, gpu.View(X), gpu.View(Bias), gpu.View(Y));
    }

    // y[i] = op(x[x0 + i] + b[b0 + channel(i)]), channel(i) = (i / Inner) mod Channels; y dense
    private static void ForwardKernel(Index1D i, TOp op, BiasActivationShape s, int x0, int b0, View x, View b, View y) =>
        y[i] = op.Forward(x[x0 + i] + b[b0 + (i / s.Inner) % s.Channels]);
}

/// <summary>
/// Backward of <see cref="BiasActivation{TOp}"/> to the pre-activation z = x + bias:
/// gradZ[i] = op.Backward(z[i], y[i], gradY[i]), z recomputed. gradY: contiguous of x's shape from
/// GradYOffset; gradZ: dense of x's shape.
/// </summary>
public readonly record struct BiasActivationBackward<TOp>(BiasActivation<TOp> Forward,
    DeviceBuffer GradY, int GradYOffset, DeviceBuffer GradZ) : IFusedOp
    where TOp : struct, IUnaryOp
{
    public string Name => "bias_activation backward";

    public void RunCpu(CpuBackend cpu)
    {
        var (f, s) = (Forward, Forward.Shape);
        float[] xs = CpuBackend.Data(f.X), bs = CpuBackend.Data(f.Bias), ys = CpuBackend.Data(f.Y);
        float[] gys = CpuBackend.Data(GradY), gzs = CpuBackend.Data(GradZ);
        int x0 = f.XOffset, b0 = f.BiasOffset, g0 = GradYOffset;
        const int V = 8;   // Vector256<float>.Count
        if (s.Inner == 1 && f.Op.HasVectorBackward)
        {
            var op = f.Op;
            CpuBackend.For(s.Outer, (lo, hi) =>
            {
                for (long r = lo; r < hi; r++)
                {
                    int i0 = (int)r * s.Channels, j = 0;
                    for (; j <= s.Channels - V; j += V)
                        op.Backward(Vector256.Create(xs, x0 + i0 + j) + Vector256.Create(bs, b0 + j), Vector256.Create(ys, i0 + j),
                            Vector256.Create(gys, g0 + i0 + j)).CopyTo(gzs, i0 + j);
                    for (; j < s.Channels; j++)
                        gzs[i0 + j] = op.Backward(xs[x0 + i0 + j] + bs[b0 + j], ys[i0 + j], gys[g0 + i0 + j]);
                }
            }, s.Channels);
            return;
        }
        CpuBackend.For((long)s.Outer * s.Channels, (lo, hi) =>
        {
            for (long plane = lo; plane < hi; plane++)
            {
                float b = bs[b0 + (int)(plane % s.Channels)];
                int i0 = (int)plane * s.Inner;
                for (int j = 0; j < s.Inner; j++)
                    gzs[i0 + j] = f.Op.Backward(xs[x0 + i0 + j] + b, ys[i0 + j], gys[g0 + i0 + j]);
            }
        }, s.Inner);
    }

    public void RunGpu(GpuBackend gpu)
    {
        var f = Forward;
        if (f.Shape.Size == 0) return;
        var kernel = gpu.FusedKernel(typeof(BiasActivationBackward<TOp>), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, TOp, BiasActivationShape, int, int, int, View, View, View, View, View>(BackwardKernel));
        kernel(gpu.Count(f.Shape.Size), f.Op, f.Shape, f.XOffset, f.BiasOffset, GradYOffset,
            gpu.View(f.X), gpu.View(f.Bias), gpu.View(f.Y), gpu.View(GradY), gpu.View(GradZ));
    }

    // gz[i] = op.Backward(z, y[i], gy[g0 + i]) with z = x + b recomputed; y, gz dense
    private static void BackwardKernel(Index1D i, TOp op, BiasActivationShape s, int x0, int b0, int g0,
        View x, View b, View y, View gy, View gz) =>
        gz[i] = op.Backward(x[x0 + i] + b[b0 + (i / s.Inner) % s.Channels], y[i], gy[g0 + i]);
}
