using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Cpu;

// Fused y = op(x + bias) over x viewed as [Outer, Channels, Inner] (BiasActivationShape):
// [N, F] rows add the bias vector (Vector256 over F), [N, C, H·W] planes add one scalar per
// plane (Vector256 over H·W); ops without a SIMD body take the scalar loop. Backward recomputes
// z = x + bias instead of storing it. Parallel over rows/planes above the threshold.
// Oracle: tests/DeepNet.Tests/Tensors/FusedTests (equality with x.Add(bias).Relu() etc.).
public sealed partial class CpuBackend
{
    public void BiasActivation<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer bias, StridedLayout biasLayout, DeviceBuffer y)
        where TOp : struct, IUnaryOp
    {
        var s = BiasShape("bias_activation", xLayout, biasLayout);
        float[] xs = Data(x), bs = Data(bias), ys = Data(y);
        int x0 = xLayout.Offset, b0 = biasLayout.Offset;
        const int V = 8;   // Vector256<float>.Count
        if (s.Inner == 1)
        {
            For(s.Outer, (lo, hi) =>
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
        For((long)s.Outer * s.Channels, (lo, hi) =>
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

    public void BiasActivationBackward<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer bias, StridedLayout biasLayout,
        DeviceBuffer y, DeviceBuffer gradY, StridedLayout gradYLayout, DeviceBuffer gradZ)
        where TOp : struct, IUnaryOp
    {
        var s = BiasShape("bias_activation backward", xLayout, biasLayout);
        if (!gradYLayout.IsContiguous || !gradYLayout.Shape.AsSpan().SequenceEqual(xLayout.Shape))
            throw new ArgumentException($"bias_activation backward: gradient {gradYLayout} must be contiguous of input shape {ShapeMath.Format(xLayout.Shape)}");
        float[] xs = Data(x), bs = Data(bias), ys = Data(y), gys = Data(gradY), gzs = Data(gradZ);
        int x0 = xLayout.Offset, b0 = biasLayout.Offset, g0 = gradYLayout.Offset;
        For((long)s.Outer * s.Channels, (lo, hi) =>
        {
            for (long plane = lo; plane < hi; plane++)
            {
                float b = bs[b0 + (int)(plane % s.Channels)];
                int i0 = (int)plane * s.Inner;
                for (int j = 0; j < s.Inner; j++)
                    gzs[i0 + j] = op.Backward(xs[x0 + i0 + j] + b, ys[i0 + j], gys[g0 + i0 + j]);
            }
        }, s.Inner);
    }

    internal static BiasActivationShape BiasShape(string op, StridedLayout x, StridedLayout bias)
    {
        var s = BiasActivationShape.From(op, x.Shape, bias.Shape);
        if (!x.IsContiguous || !bias.IsContiguous)
            throw new ArgumentException($"{op}: input {x} and bias {bias} must be contiguous");
        return s;
    }
}
