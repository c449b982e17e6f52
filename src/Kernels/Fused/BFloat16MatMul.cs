using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;

namespace DeepNet.Kernels.Fused;

// Autocast's bfloat16 matmul (docs/mixed-precision.md): the operands are float32 scratch holding
// bfloat16 values (HalfScratch), the product accumulates in float32. CPU: the fp32 GEMM (the products
// of bf16 values are exact in fp32, so it is the same math). GPU: the BF16 tensor-core kernel
// (mma.sync.m16n8k8.bf16) on sm_80+, else the fp32 SIMT kernels. Oracles: GpuParityTests.Gemm
// (the BF16 kernel forced, emulated mma), PtxCompileTests (the bf16 mma.sync in the PTX), AutocastTests.

/// <summary>c = a·b (batched, strided, as <see cref="IBackend.MatMul"/>) for float32 buffers holding bfloat16 values.</summary>
public readonly struct BFloat16MatMul(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
    DeviceBuffer c, StridedLayout cLayout) : IFusedOp
{
    /// <inheritdoc/>
    public string Name => "matmul_bf16";

    /// <inheritdoc/>
    public void RunCpu(CpuBackend cpu) => cpu.MatMul(a, aLayout, b, bLayout, c, cLayout);

    /// <inheritdoc/>
    public void RunGpu(GpuBackend gpu) => gpu.MatMulBFloat16(a, aLayout, b, bLayout, c, cLayout, accumulate: false);
}
