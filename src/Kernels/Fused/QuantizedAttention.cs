using System.Buffers;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Int8 scaled-dot-product attention for quantized inference (the operands of AttentionGeometry, no dropout):
//   q̂_i  uint8, each query row its own range (Int8Quantization.RangeScale / RangeZeroPoint, scale s_i, zero z_i);
//   k̂_j  int8, each key row symmetric (SymmetricScale, t_j);  v̂_·c int8, each value column symmetric over all S keys (u_c);
//   s_ij = (Σ_d q̂_id·k̂_jd − z_i·Σ_d k̂_jd) · s_i·scale · t_j + mask + padding   (−∞ past KeyEnd(i); int32 sums, exact)
//   p̂_ij = round(255·exp(s_ij − max_j s_ij))  (uint8 at scale 1/255: the row max is exactly 255; exp as
//          Int8Quantization.ProbabilityCode's polynomial, the same float operations on the CPU and the GPU)
//   o_ic = (Σ_j p̂_ij·v̂_jc) · u_c · (1 / Σ_j p̂_ij)   (both sums int32, exact)
// Softmax in float32; normalizing by Σ p̂ keeps the rounded weights a convex combination. A row masked everywhere,
// or one that meets a NaN/±∞ in q, k or v (its scale is NaN), is NaN, as the float kernel gives.
// CPU: tasks of (n, block of query rows, every head) on the int8 GEMM's micro-kernels (CpuInt8Attention), path forced or
// Int8GemmPaths.Best. GPU: one thread per output element, quantizing on the fly (correct, not tuned).
// Oracle: tests/DeepNet.Tests/Kernels/Fused/QuantizedAttentionTests (a scalar loop of these rules; the float
// composite within int8 tolerance; every ISA path equal bit for bit) and GpuParityTests.QuantizedAttention.

/// <summary>
/// Int8 o = softmax(scale·q·kᵀ + masks)·v (see the file comment) for the operands of <see cref="AttentionGeometry"/>
/// (Dropout 0). O: [N, L, H, Dv] dense. <paramref name="Path"/>: the CPU instruction path (null: the best this CPU has).
/// </summary>
public readonly record struct QuantizedAttention(AttentionGeometry Geometry, DeviceBuffer Q, DeviceBuffer K, DeviceBuffer V,
    DeviceBuffer? Mask, DeviceBuffer? Padding, DeviceBuffer O, Int8GemmPath? Path = null) : IFusedOp
{
    /// <summary>Most score words a CPU task keeps (rows × keys): the row block shrinks for long key sequences.</summary>
    private const int ScoreWords = 1 << 15;

    public string Name => "quantized_scaled_dot_product_attention";

    public unsafe void RunCpu(CpuBackend cpu)
    {
        var g = Geometry;
        if (g.Rows == 0) return;
        var path = Path ?? Int8GemmPaths.Best;
        if (!Int8GemmPaths.IsSupported(path)) throw new PlatformNotSupportedException($"{Name}: this CPU has no {path} instructions");
        float[] q = CpuBackend.Data(Q), k = CpuBackend.Data(K), v = CpuBackend.Data(V), o = CpuBackend.Data(O);
        float[]? mask = Mask is null ? null : CpuBackend.Data(Mask), pad = Padding is null ? null : CpuBackend.Data(Padding);
        // A task: one batch row's heads for a block of query rows (a whole sequence when its scores fit), 6-row tiles.
        int rowBlock = Math.Min((g.L + 5) / 6 * 6, Math.Max(6, ScoreWords / Math.Max(g.S, 1) / 6 * 6));
        int rowBlocks = (g.L + rowBlock - 1) / rowBlock, words = CpuInt8Attention.ScratchWords(g, path, rowBlock);
        CpuBackend.For((long)g.N * rowBlocks, (lo, hi) =>
        {
            int[] scratch = ArrayPool<int>.Shared.Rent(words);
            try
            {
                fixed (float* pq = q, pk = k, pv = v, po = o, pm = mask, pp = pad)
                fixed (int* ps = scratch)
                {
                    for (long t = lo; t < hi; t++)
                    {
                        int n = (int)(t / rowBlocks), i0 = (int)(t % rowBlocks) * rowBlock;
                        CpuInt8Attention.Rows(g, path, pq, pk, pv, pm, pp, po, n, i0, Math.Min(rowBlock, g.L - i0), ps);
                    }
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(scratch);
            }
        }, (long)g.H * rowBlock * g.S * (g.D + g.Dv) * 2);
    }

    public void RunGpu(GpuBackend gpu)
    {
        var g = Geometry;
        if (g.Rows == 0 || g.Dv == 0) return;
        var kernel = gpu.FusedKernel(typeof(QuantizedAttention), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, AttentionGeometry, View, View, View, View, View, View>(Kernel));
        var qv = gpu.View(Q);   // stands in for an absent mask; never read then
        kernel(gpu.Count(g.Rows * g.Dv), g, qv, gpu.View(K), gpu.View(V), Mask is null ? qv : gpu.View(Mask),
            Padding is null ? qv : gpu.View(Padding), gpu.View(O));
    }

    // one thread per output element e = ((n·H + h)·L + i)·Dv + c: the file comment's rules, recomputed per element
    private static void Kernel(Index1D e, AttentionGeometry g, View q, View k, View v, View mask, View pad, View o)
    {
        int c = e % g.Dv, r = e / g.Dv, i = r % g.L, nh = r / g.L, h = nh % g.H, n = nh / g.H, end = g.KeyEnd(i);
        int qi = g.QAt(n, h, i);
        float min = 0f, max = 0f, bad = 0f;
        for (int d = 0; d < g.D; d++)
        {
            min = MathF.Min(min, q[qi + d]);
            max = MathF.Max(max, q[qi + d]);
            bad += q[qi + d] * 0f;
        }
        float qs = Int8Quantization.RangeScale(min, max);
        int zq = Int8Quantization.RangeZeroPoint(min, qs);
        float rowScale = bad == 0f ? qs * g.Scale : float.NaN, qInv = bad == 0f ? 1f / qs : 0f;
        float m = float.NegativeInfinity;
        bool nan = false;
        for (int j = 0; j < end; j++)
        {
            float s = Score(g, q, k, mask, pad, n, h, i, j, qi, qInv, zq, rowScale);
            nan |= float.IsNaN(s);
            m = MathF.Max(m, s);
        }
        float amax = 0f, vbad = 0f;
        for (int j = 0; j < g.S; j++)
        {
            float x = v[g.VAt(n, h, j) + c];
            amax = MathF.Max(amax, MathF.Abs(x));
            vbad += x * 0f;
        }
        float vs = Int8Quantization.SymmetricScale(vbad == 0f ? amax : float.NaN), vInv = Int8Quantization.InverseScale(vs);
        int sum = 0, acc = 0;
        for (int j = 0; j < end && !nan && m != float.NegativeInfinity; j++)
        {
            int p = Int8Quantization.ProbabilityCode(Score(g, q, k, mask, pad, n, h, i, j, qi, qInv, zq, rowScale) - m);
            sum += p;
            acc += p * Int8Quantization.QuantizeSymmetric(v[g.VAt(n, h, j) + c], vInv);
        }
        o[g.OAt(n, h, i) + c] = nan || m == float.NegativeInfinity ? float.NaN : acc * vs * (1f / sum);
    }

    /// <summary>s_ij of the file comment for query row i (its codes' inverse scale and zero point given), masks added.</summary>
    private static float Score(AttentionGeometry g, View q, View k, View mask, View pad, int n, int h, int i, int j,
        int qi, float qInv, int zq, float rowScale)
    {
        int kj = g.KAt(n, h, j);
        float amax = 0f, bad = 0f;
        for (int d = 0; d < g.D; d++)
        {
            amax = MathF.Max(amax, MathF.Abs(k[kj + d]));
            bad += k[kj + d] * 0f;
        }
        float ks = Int8Quantization.SymmetricScale(bad == 0f ? amax : float.NaN), kInv = Int8Quantization.InverseScale(ks);
        int dot = 0, kSum = 0;
        for (int d = 0; d < g.D; d++)
        {
            int code = Int8Quantization.QuantizeSymmetric(k[kj + d], kInv);
            dot += Int8Quantization.Quantize(q[qi + d], qInv, zq) * code;
            kSum += code;
        }
        float s = (float)(dot - zq * kSum) * rowScale * ks;
        if (g.HasMask != 0) s += mask[g.M0 + n * g.MN + h * g.MH + i * g.ML + j * g.MS];
        if (g.HasPadding != 0) s += pad[g.P0 + n * g.PN + h * g.PH + i * g.PL + j * g.PS];
        return s;
    }
}
