using System.Buffers;
using System.Numerics.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Fused softmax + cross entropy. logits: [N, C] row-major (contiguous, any offset), target: [N]
// class indices as floats, loss/logSumExp: [N]. One pass per row: max, Σ exp(x − max) with
// TensorPrimitives, loss = lse − x[target]; rows split across threads above the threshold.
// Oracle: tests/DeepNet.Tests/Tensors/FusedTests (equality with the composite
// LogSoftmax → Gather → Neg, forward and gradients, on every device).
public sealed partial class CpuBackend
{
    public void SoftmaxCrossEntropy(DeviceBuffer logits, StridedLayout logitsLayout, DeviceBuffer target, StridedLayout targetLayout,
        DeviceBuffer loss, DeviceBuffer logSumExp)
    {
        var (n, c) = RowsAndClasses("cross_entropy", logitsLayout, targetLayout);
        float[] x = Data(logits), t = Data(target), l = Data(loss), lse = Data(logSumExp);
        int x0 = logitsLayout.Offset, t0 = targetLayout.Offset, ts = targetLayout.Strides[0];
        For(n, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(c);
            try
            {
                for (long r = lo; r < hi; r++)
                {
                    var row = x.AsSpan(x0 + (int)r * c, c);
                    int label = Label("cross_entropy", t[t0 + (int)r * ts], c);
                    float m = TensorPrimitives.Max(row);
                    var e = scratch.AsSpan(0, c);
                    TensorPrimitives.Subtract(row, m, e);
                    TensorPrimitives.Exp(e, e);
                    float s = m + MathF.Log(TensorPrimitives.Sum(e));
                    lse[r] = s;
                    l[r] = s - row[label];
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }, c * 4L);
    }

    public void SoftmaxCrossEntropyBackward(DeviceBuffer logits, StridedLayout logitsLayout, DeviceBuffer target, StridedLayout targetLayout,
        DeviceBuffer logSumExp, DeviceBuffer gradLoss, StridedLayout gradLossLayout, DeviceBuffer gradLogits)
    {
        var (n, c) = RowsAndClasses("cross_entropy backward", logitsLayout, targetLayout);
        float[] x = Data(logits), t = Data(target), lse = Data(logSumExp), g = Data(gradLoss), gx = Data(gradLogits);
        int x0 = logitsLayout.Offset, t0 = targetLayout.Offset, ts = targetLayout.Strides[0];
        int g0 = gradLossLayout.Offset, gs = gradLossLayout.Strides[0];
        For(n, (lo, hi) =>
        {
            for (long r = lo; r < hi; r++)
            {
                var row = x.AsSpan(x0 + (int)r * c, c);
                var grad = gx.AsSpan((int)r * c, c);
                float scale = g[g0 + (int)r * gs];
                // softmax − onehot, scaled by the row's incoming gradient
                TensorPrimitives.Subtract(row, lse[r], grad);
                TensorPrimitives.Exp(grad, grad);
                grad[Label("cross_entropy", t[t0 + (int)r * ts], c)] -= 1f;
                TensorPrimitives.Multiply(grad, scale, grad);
            }
        }, c * 4L);
    }

    /// <summary>(N, C) of a contiguous [N, C] logits layout with a rank-1 [N] target.</summary>
    internal static (int N, int C) RowsAndClasses(string op, StridedLayout logits, StridedLayout target)
    {
        if (logits.Rank != 2 || !logits.IsContiguous || target.Rank != 1 || target.Shape[0] != logits.Shape[0])
            throw new ArgumentException($"{op}: expects contiguous logits [N, C] and target [N], got {logits} and {target}");
        return (logits.Shape[0], logits.Shape[1]);
    }

    private static int Label(string op, float value, int classes)
    {
        int label = (int)value;
        if (label < 0 || label >= classes || label != value)
            throw new ArgumentException($"{op}: target {value} is out of range for {classes} classes");
        return label;
    }
}
