using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

// Fused-op launchers: Adam and SGD updates. Kernels: GpuFusedKernels. Oracle: GpuParityTests.
public sealed partial class GpuBackend
{
    public void AdamUpdate(AdamStep step, long length, ContiguousSlice param, ContiguousSlice grad, ContiguousSlice expAvg, ContiguousSlice expAvgSq,
        ContiguousSlice? maxExpAvgSq)
    {
        if (step.Amsgrad != 0 && maxExpAvgSq is null) throw new ArgumentException("adam_update: AMSGrad needs the max_exp_avg_sq buffer");
        if (length == 0) return;
        // Without AMSGrad the status view stands in for the absent buffer; the kernel never touches it.
        var vMax = maxExpAvgSq is { } mx ? View(mx.Buffer) : StatusView;
        _kernels.AdamUpdate.Value(Count(length), step, param.Offset, grad.Offset, expAvg.Offset, expAvgSq.Offset, maxExpAvgSq?.Offset ?? 0,
            View(param.Buffer), View(grad.Buffer), View(expAvg.Buffer), View(expAvgSq.Buffer), vMax);
    }

    public void SgdUpdate(SgdStep step, long length, ContiguousSlice param, ContiguousSlice grad, ContiguousSlice? momentumBuffer)
    {
        if (step.HasMomentum != 0 && momentumBuffer is null) throw new ArgumentException("sgd_update: momentum needs the momentum buffer");
        if (length == 0) return;
        var b = momentumBuffer is { } mb ? View(mb.Buffer) : StatusView;
        _kernels.SgdUpdate.Value(Count(length), step, param.Offset, grad.Offset, momentumBuffer?.Offset ?? 0,
            View(param.Buffer), View(grad.Buffer), b);
    }
}
