using DeepNet.Kernels;
using DeepNet.Kernels.Fused;

namespace DeepNet.Tests.Kernels.Gpu;

// The quantized GEMM (int8 weights, uint8 activations, int32 accumulation) against the CPU path.
public abstract partial class GpuParityTests
{
    [ParityFact]
    public void QuantizedGemm_MatchesCpu_ForDenseRowsWithOffsetAndBias()
    {
        CheckQuantizedGemm(m: 5, pq: 1, k: 13, n: 7, xOffset: 3, bias: true);
        CheckQuantizedGemm(m: 1, pq: 1, k: 1, n: 1, xOffset: 0, bias: false);
    }

    [ParityFact]
    public void QuantizedGemm_MatchesCpu_ForConvolutionColumns()
    {
        CheckQuantizedGemm(m: 2 * 6, pq: 6, k: 9, n: 5, xOffset: 0, bias: true);
    }

    private void CheckQuantizedGemm(int m, int pq, int k, int n, int xOffset, bool bias)
    {
        var (cx, gx) = Pair(Values(xOffset + m * k, -1f, 3f));
        var (cb, gb) = Pair(Values(n));
        var codes = Enumerable.Range(0, n * k).Select(_ => (sbyte)_rng.Next(-127, 128)).ToArray();
        float[] scales = Values(n, 0.01f, 0.1f);
        using var cw = PackedInt8Weight.Pack(Cpu, codes, n, k, scales);
        using var gw = PackedInt8Weight.Pack(Gpu, codes, n, k, scales);
        var cy = Track(Cpu.Allocate(m * n));
        var gy = Track(Gpu.Allocate(m * n));
        const float scale = 4f / 255f;
        const int zeroPoint = 64;
        Cpu.Run(new QuantizedGemm(cx, xOffset, m, pq, cw, bias ? cb : null, 0, scale, zeroPoint, cy));
        Gpu.Run(new QuantizedGemm(gx, xOffset, m, pq, gw, bias ? gb : null, 0, scale, zeroPoint, gy));
        // The int32 sums are exact on both; only the float epilogue may differ (an FMA on a real GPU).
        AssertSame(cy, gy, $"quantized gemm m={m} pq={pq} k={k} n={n}", 1e-6f);
    }
}
