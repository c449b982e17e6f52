using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

// Fused-op launchers: softmax + cross entropy, bias + activation.
// Shape checks are shared with the CPU backend. Kernels: GpuFusedKernels. Oracle: GpuParityTests.
public sealed partial class GpuBackend
{
    public void SoftmaxCrossEntropy(DeviceBuffer logits, StridedLayout logitsLayout, DeviceBuffer target, StridedLayout targetLayout,
        DeviceBuffer loss, DeviceBuffer logSumExp)
    {
        var (n, c) = Cpu.CpuBackend.RowsAndClasses("cross_entropy", logitsLayout, targetLayout);
        if (n == 0) return;
        _kernels.SoftmaxCrossEntropy.Value(n, c, logitsLayout.Offset, targetLayout.Offset, targetLayout.Strides[0],
            View(logits), View(target), View(loss), View(logSumExp), StatusView);
        ThrowOnBadIndex("cross_entropy", c);
    }

    public void SoftmaxCrossEntropyBackward(DeviceBuffer logits, StridedLayout logitsLayout, DeviceBuffer target, StridedLayout targetLayout,
        DeviceBuffer logSumExp, DeviceBuffer gradLoss, StridedLayout gradLossLayout, DeviceBuffer gradLogits)
    {
        var (n, c) = Cpu.CpuBackend.RowsAndClasses("cross_entropy backward", logitsLayout, targetLayout);
        if (logitsLayout.Size == 0) return;
        _kernels.SoftmaxCrossEntropyBackward.Value(Count(logitsLayout.Size), c, logitsLayout.Offset, targetLayout.Offset,
            targetLayout.Strides[0], gradLossLayout.Offset, gradLossLayout.Strides[0],
            View(logits), View(target), View(logSumExp), View(gradLoss), View(gradLogits));
    }

    public void BiasActivation<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer bias, StridedLayout biasLayout, DeviceBuffer y)
        where TOp : struct, IUnaryOp
    {
        var s = Cpu.CpuBackend.BiasShape("bias_activation", xLayout, biasLayout);
        if (s.Size == 0) return;
        _kernels.BiasActivation<TOp>()(Count(s.Size), op, s, xLayout.Offset, biasLayout.Offset, View(x), View(bias), View(y));
    }

    public void BiasActivationBackward<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer bias, StridedLayout biasLayout,
        DeviceBuffer y, DeviceBuffer gradY, StridedLayout gradYLayout, DeviceBuffer gradZ)
        where TOp : struct, IUnaryOp
    {
        var s = Cpu.CpuBackend.BiasShape("bias_activation backward", xLayout, biasLayout);
        if (!gradYLayout.IsContiguous || !gradYLayout.Shape.AsSpan().SequenceEqual(xLayout.Shape))
            throw new ArgumentException($"bias_activation backward: gradient {gradYLayout} must be contiguous of input shape {ShapeMath.Format(xLayout.Shape)}");
        if (s.Size == 0) return;
        _kernels.BiasActivationBackward<TOp>()(Count(s.Size), op, s, xLayout.Offset, biasLayout.Offset, gradYLayout.Offset,
            View(x), View(bias), View(y), View(gradY), View(gradZ));
    }
}
