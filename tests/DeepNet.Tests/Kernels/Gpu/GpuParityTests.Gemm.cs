using DeepNet.Kernels.Gpu;

namespace DeepNet.Tests.Kernels.Gpu;

// Every GEMM variant forced, at sizes around the tile edges, for each load path: 16-byte loads
// along k or along m/n, scalar fallbacks (odd sizes, unaligned offsets), transposes, broadcast
// batches, accumulate. Shapes stay small: the emulator runs each of 256 threads as an OS thread.
public abstract partial class GpuParityTests
{
    [ParityFact]
    public void MatMulTile64_MatchesCpu_AtAwkwardSizesAndLayouts() => CheckVariant(GemmVariant.Tile64);

    [ParityFact]
    public void MatMulTile128_MatchesCpu_AtAwkwardSizesAndLayouts() => CheckVariant(GemmVariant.Tile128);

    [ParityFact]
    public void MatMulTf32_MatchesCpu_OnTf32Inputs()
    {
        // Off CUDA the mma is emulated from the PTX ISA fragment layout, so this checks the indexing.
        if (!Gpu.CanRunTf32Kernel) return;
        CheckMatMul(1, 1, 1, 1, transA: false, transB: false, broadcastB: false, accumulate: false, GemmVariant.Tf32);
        CheckMatMul(1, 129, 12, 33, transA: false, transB: false, broadcastB: false, accumulate: true, GemmVariant.Tf32);
        CheckMatMul(2, 20, 9, 136, transA: true, transB: true, broadcastB: true, accumulate: false, GemmVariant.Tf32);
        CheckMatMul(1, 64, 16, 64, transA: true, transB: false, broadcastB: false, accumulate: false, GemmVariant.Tf32, aOffset: 4);
    }

    [ParityFact]
    public void MatMulBf16_MatchesCpu_OnBf16Inputs()
    {
        // As for TF32: off CUDA the bf16 mma is emulated from the PTX ISA fragment layout (two k per register).
        if (!Gpu.CanRunTf32Kernel) return;
        CheckMatMul(1, 1, 1, 1, transA: false, transB: false, broadcastB: false, accumulate: false, GemmVariant.Bf16);
        CheckMatMul(1, 129, 12, 33, transA: false, transB: false, broadcastB: false, accumulate: true, GemmVariant.Bf16);
        CheckMatMul(2, 20, 9, 136, transA: true, transB: true, broadcastB: true, accumulate: false, GemmVariant.Bf16);
        CheckMatMul(1, 64, 16, 64, transA: true, transB: false, broadcastB: false, accumulate: false, GemmVariant.Bf16, aOffset: 4);
    }

    private void CheckVariant(GemmVariant v)
    {
        CheckMatMul(1, 1, 1, 1, transA: false, transB: false, broadcastB: false, accumulate: false, v);
        CheckMatMul(1, 7, 33, 64, transA: false, transB: false, broadcastB: false, accumulate: false, v);
        CheckMatMul(1, 127, 40, 129, transA: false, transB: false, broadcastB: false, accumulate: true, v);
        CheckMatMul(1, 128, 12, 128, transA: true, transB: false, broadcastB: false, accumulate: true, v);
        CheckMatMul(2, 64, 99, 33, transA: false, transB: true, broadcastB: true, accumulate: false, v);
        CheckMatMul(2, 33, 16, 64, transA: false, transB: true, broadcastB: false, accumulate: false, v);
        CheckMatMul(3, 33, 7, 7, transA: true, transB: true, broadcastB: false, accumulate: true, v);
        CheckMatMul(1, 8, 8, 8, transA: false, transB: false, broadcastB: false, accumulate: false, v, aOffset: 1);
    }
}
