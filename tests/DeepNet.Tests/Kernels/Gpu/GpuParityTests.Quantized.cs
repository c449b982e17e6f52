using DeepNet.Kernels;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;

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

    [ParityFact]
    public void QuantizedConv2D_MatchesCpu_WithPaddingStrideAndDilation()
    {
        var g = new Conv2DGeometry(2, 3, 7, 6, 3, 2, 2, 1, 1, 1, 1, 2);
        var (cx, gx) = Pair(Values(g.N * g.C * g.H * g.W, -1f, 2f));
        var (cb, gb) = Pair(Values(4));
        var codes = Enumerable.Range(0, 4 * g.ColumnRows).Select(_ => (sbyte)_rng.Next(-127, 128)).ToArray();
        float[] scales = Values(4, 0.01f, 0.1f);
        using var cw = PackedInt8Weight.Pack(Cpu, codes, 4, g.ColumnRows, scales, (g.C, g.R, g.S));
        using var gw = PackedInt8Weight.Pack(Gpu, codes, 4, g.ColumnRows, scales, (g.C, g.R, g.S));
        long size = (long)g.N * 4 * g.P * g.Q;
        var cy = Track(Cpu.Allocate(size));
        var gy = Track(Gpu.Allocate(size));
        Cpu.Run(new QuantizedConv2D(cx, g, cw, cb, 0, 3f / 255f, 85, cy));
        Gpu.Run(new QuantizedConv2D(gx, g, gw, gb, 0, 3f / 255f, 85, gy));
        AssertSame(cy, gy, "quantized conv2d", 1e-6f);
    }

    [ParityFact]
    public void QuantizedAttention_MatchesCpu_WithMasksPaddingAndCausal()
    {
        foreach (var (causal, masks) in new[] { (false, false), (false, true), (true, false) })
        {
            int n = 2, h = 2, l = 5, s = causal ? 5 : 7, d = 3, dv = 4;
            var g = new AttentionGeometry
            {
                N = n, H = h, L = l, S = s, D = d, Dv = dv, Scale = 0.6f, Causal = causal ? 1 : 0,
                QN = h * l * d, QH = l * d, QL = d, KN = h * s * d, KH = s * d, KS = d, VN = h * s * dv, VH = s * dv, VS = dv,
                HasMask = masks ? 1 : 0, ML = s, MS = 1, HasPadding = masks ? 1 : 0, PN = s, PS = 1,
            };
            var (cq, gq) = Pair(Values(n * h * l * d));
            var (ck, gk) = Pair(Values(n * h * s * d));
            var (cv, gv) = Pair(Values(n * h * s * dv, -3f, 3f));
            float[] blocked = Values(l * s).Select((x, i) => i % s != 0 && x > 1f ? float.NegativeInfinity : x * 0.2f).ToArray();
            var (cm, gm) = Pair(blocked);
            var (cp, gp) = Pair(Values(n * s, -0.5f, 0.5f));
            var co = Track(Cpu.Allocate(n * l * h * dv));
            var go = Track(Gpu.Allocate(n * l * h * dv));
            Cpu.Run(new QuantizedAttention(g, cq, ck, cv, masks ? cm : null, masks ? cp : null, co));
            Gpu.Run(new QuantizedAttention(g, gq, gk, gv, masks ? gm : null, masks ? gp : null, go));
            // Same integer codes and float operations on both; a real GPU may fuse a multiply-add.
            AssertSame(co, go, $"quantized attention causal={causal} masks={masks}", 1e-5f);
        }
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
