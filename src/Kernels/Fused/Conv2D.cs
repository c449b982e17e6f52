using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Fused;

// Float32 2-d convolution (groups = 1) as one unit, forward and both backward passes.
// CPU: implicit GEMM packing straight from the image (Cpu/CpuConv2D, CpuConv2DWeightGrad) with the
// bias and ReLU in the epilogue, the input gradient's col2im fused into its GEMM; a shallow first
// layer (C·R·S ≤ 32, stride 1) runs its forward and weight gradient direct (Cpu/CpuConv2DShallow).
// GPU (and the CPU for a depth too large for one packed panel): the explicit path on the backend's primitives — Im2Col, one batched
// MatMul with the weight broadcast over the batch, then the fused bias + activation; the input
// gradient is Wᵀ·dY then Col2Im; the weight gradient per-image dY·colsᵀ summed over the batch.
// Oracle: tests/DeepNet.Tests/Kernels/Fused/Conv2DFusedTests (equality with the Im2Col → MatMul
// composite, forward and gradients, CPU and emulator) and Tensors/Conv2DTests (the direct loop).

/// <summary>
/// y = act(conv(x, w) + bias), act identity or ReLU. x: [N, C, H, W] dense from 0, w: [K, C, R, S] dense
/// from WOffset, bias: [K] dense from BiasOffset or null, y: [N, K, P, Q] dense from 0.
/// </summary>
public readonly record struct Conv2D(Conv2DGeometry Geometry, int K, DeviceBuffer X, DeviceBuffer W, int WOffset,
    DeviceBuffer? Bias, int BiasOffset, bool Relu, DeviceBuffer Y) : IFusedOp
{
    public string Name => "conv2d";

    public void RunCpu(CpuBackend cpu)
    {
        var g = Geometry;
        if (CpuConv2DShallow.Fits(g))
        {
            CpuConv2DShallow.Forward(CpuBackend.Data(X), 0, g, CpuBackend.Data(W), WOffset, K,
                Bias is null ? null : CpuBackend.Data(Bias), BiasOffset, Relu, CpuBackend.Data(Y), 0);
            return;
        }
        if (!CpuConv2D.Fits(g))
        {
            Explicit(cpu);
            return;
        }
        CpuConv2D.Forward(CpuBackend.Data(X), 0, g, CpuBackend.Data(W), WOffset, K,
            Bias is null ? null : CpuBackend.Data(Bias), BiasOffset, Relu, CpuBackend.Data(Y), 0);
    }

    public void RunGpu(GpuBackend gpu) => Explicit(gpu);

    private void Explicit(IBackend b)
    {
        var g = Geometry;
        int crs = g.ColumnRows, pq = g.ColumnCols;
        using (var cols = b.Allocate((long)g.N * crs * pq, zeroed: false))
        {
            b.Im2Col(X, g, cols);
            b.MatMul(W, new StridedLayout([g.N, K, crs], [0, crs, 1], WOffset), cols, StridedLayout.Contiguous([g.N, crs, pq]),
                Y, StridedLayout.Contiguous([g.N, K, pq]));
        }
        var shape = new BiasActivationShape(g.N, K, pq);
        if (Bias is not null && Relu) b.Run(new BiasActivation<ReluOp>(default, shape, Y, 0, Bias, BiasOffset, Y));
        else if (Bias is not null) b.Run(new BiasActivation<IdentityOp>(default, shape, Y, 0, Bias, BiasOffset, Y));
        else if (Relu)
        {
            var layout = StridedLayout.Contiguous([g.N, K, pq]);
            b.Map(new ReluOp(), Y, layout, Y, layout);
        }
    }
}

/// <summary>
/// gradX = the adjoint of conv2d in x: gradY: [N, K, P, Q] dense from 0, w: [K, C, R, S] dense from
/// WOffset, gradX: [N, C, H, W] dense from 0 (overwritten).
/// </summary>
public readonly record struct Conv2DBackwardInput(Conv2DGeometry Geometry, int K, DeviceBuffer GradY, DeviceBuffer W, int WOffset,
    DeviceBuffer GradX) : IFusedOp
{
    public string Name => "conv2d backward (input)";

    public void RunCpu(CpuBackend cpu)
    {
        if (!CpuConv2D.Fits(Geometry with { C = K, R = 1, S = 1 }))
        {
            Explicit(cpu);
            return;
        }
        CpuConv2D.BackwardInput(CpuBackend.Data(GradY), 0, Geometry, CpuBackend.Data(W), WOffset, K, CpuBackend.Data(GradX), 0);
    }

    public void RunGpu(GpuBackend gpu) => Explicit(gpu);

    // gradCols[n] = Wᵀ·gradY[n], then each pixel sums the columns that read it.
    private void Explicit(IBackend b)
    {
        var g = Geometry;
        int crs = g.ColumnRows, pq = g.ColumnCols;
        using var cols = b.Allocate((long)g.N * crs * pq, zeroed: false);
        b.MatMul(W, new StridedLayout([g.N, crs, K], [0, 1, crs], WOffset), GradY, StridedLayout.Contiguous([g.N, K, pq]),
            cols, StridedLayout.Contiguous([g.N, crs, pq]));
        b.Col2Im(cols, g, GradX);
    }
}

/// <summary>
/// gradW = Σ over n of gradY[n]·colsᵀ[n] and gradBias = Σ gradY over n, p, q. x: [N, C, H, W] dense from 0,
/// gradY: [N, K, P, Q] dense from 0, gradW: [K, C, R, S] dense from 0, gradBias: [K] dense from 0 or null (both overwritten).
/// </summary>
public readonly record struct Conv2DBackwardWeight(Conv2DGeometry Geometry, int K, DeviceBuffer X, DeviceBuffer GradY,
    DeviceBuffer GradW, DeviceBuffer? GradBias) : IFusedOp
{
    public string Name => "conv2d backward (weight)";

    public void RunCpu(CpuBackend cpu)
    {
        if (CpuConv2DShallow.Fits(Geometry))
        {
            CpuConv2DShallow.WeightGrad(CpuBackend.Data(X), 0, Geometry, CpuBackend.Data(GradY), 0, K,
                CpuBackend.Data(GradW), 0, GradBias is null ? null : CpuBackend.Data(GradBias), 0);
            return;
        }
        if (!CpuConv2DWeightGrad.Fits(K, Geometry.ColumnRows))
        {
            Explicit(cpu);
            return;
        }
        CpuConv2DWeightGrad.Run(CpuBackend.Data(X), 0, Geometry, CpuBackend.Data(GradY), 0, K,
            CpuBackend.Data(GradW), 0, GradBias is null ? null : CpuBackend.Data(GradBias), 0);
    }

    public void RunGpu(GpuBackend gpu) => Explicit(gpu);

    private void Explicit(IBackend b)
    {
        var g = Geometry;
        int crs = g.ColumnRows, pq = g.ColumnCols;
        var gradYLayout = StridedLayout.Contiguous([g.N, K, pq]);
        using (var cols = b.Allocate((long)g.N * crs * pq, zeroed: false))
        using (var perImage = b.Allocate((long)g.N * K * crs, zeroed: false))
        {
            b.Im2Col(X, g, cols);
            b.MatMul(GradY, gradYLayout, cols, new StridedLayout([g.N, pq, crs], [crs * pq, 1, pq], 0),
                perImage, StridedLayout.Contiguous([g.N, K, crs]));
            b.Reduce(ReduceKind.Sum, perImage, StridedLayout.Contiguous([g.N, K, crs]), GradW, StridedLayout.Contiguous([1, K, crs]));
        }
        if (GradBias is not null)
            b.Reduce(ReduceKind.Sum, GradY, gradYLayout, GradBias, StridedLayout.Contiguous([1, K, 1]));
    }
}
