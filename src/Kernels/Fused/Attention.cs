using System.Buffers;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Fused scaled-dot-product attention, forward (AttentionGeometry): per query row i of head (n, h)
//   s_j = scale·q_i·k_j + mask + padding (j < KeyEnd(i)),  o_i = Σ_j softmax(s)_j·v_j,
// flash-style: keys are visited in blocks of AttentionBlocks.Width with an online softmax (running max m,
// running sum l, the accumulator rescaled by exp(m_old − m_new) when the max grows), so no [L, S]
// matrix exists; the row's log-sum-exp m + log l is kept for the backward, which recomputes the
// probabilities. A block whose scores are all −∞ changes nothing (a row masked only at its start
// stays finite); a row masked everywhere ends 0/0 = NaN, as the composite's softmax gives.
// Attention dropout (training) multiplies each weight by 0 or 1/(1 − p) after the normalizer has
// summed it, drawing the same counter-based uniforms as Rand([N, H, L, S]) + Ge(p) would, so the
// fused and materialized paths drop the same weights.
// CPU: rows of one head in groups of RowBlock per task; each key block is packed transposed once
// per group, so a row's scores are broadcast FMAs over 64 key lanes (AttentionBlocks), and the
// weighted sum of value rows keeps 8 output lanes in a register across the block. GPU: one thread per query row, the
// accumulator in the output row. Oracle: tests/DeepNet.Tests/Tensors/AttentionTests (equality with
// the MatMul → Softmax → MatMul composite, forward and gradients, every mask kind, CPU and emulator).

/// <summary>
/// o = softmax(scale·q·kᵀ + masks)·v for the operands of <see cref="AttentionGeometry"/>. Mask and
/// Padding may be absent (HasMask / HasPadding = 0). O: [N, L, H, Dv] dense; LogSumExp: [N, H, L] dense.
/// </summary>
public readonly record struct Attention(AttentionGeometry Geometry, DeviceBuffer Q, DeviceBuffer K, DeviceBuffer V,
    DeviceBuffer? Mask, DeviceBuffer? Padding, DeviceBuffer O, DeviceBuffer LogSumExp) : IFusedOp
{
    /// <summary>Query rows per CPU task: they share each packed key block.</summary>
    internal const int RowBlock = 64;

    public string Name => "scaled_dot_product_attention";

    public void RunCpu(CpuBackend cpu)
    {
        var g = Geometry;
        if (g.Rows == 0) return;
        float[] q = CpuBackend.Data(Q), k = CpuBackend.Data(K), v = CpuBackend.Data(V), o = CpuBackend.Data(O), lse = CpuBackend.Data(LogSumExp);
        float[]? mask = Mask is null ? null : CpuBackend.Data(Mask), pad = Padding is null ? null : CpuBackend.Data(Padding);
        const int W = AttentionBlocks.Width;
        int rowBlocks = (g.L + RowBlock - 1) / RowBlock;
        CpuBackend.For((long)g.N * g.H * rowBlocks, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(g.D * W + W + 2 * RowBlock + RowBlock * g.Dv);
            try
            {
                var packed = scratch.AsSpan(0, g.D * W);
                var scores = scratch.AsSpan(g.D * W, W);
                var m = scratch.AsSpan(g.D * W + W, RowBlock);
                var l = scratch.AsSpan(g.D * W + W + RowBlock, RowBlock);
                var acc = scratch.AsSpan(g.D * W + W + 2 * RowBlock, RowBlock * g.Dv);
                for (long t = lo; t < hi; t++)
                {
                    int nh = (int)(t / rowBlocks), n = nh / g.H, h = nh - n * g.H, i0 = (int)(t % rowBlocks) * RowBlock;
                    int rows = Math.Min(RowBlock, g.L - i0), keys = g.KeyEnd(i0 + rows - 1);
                    m.Fill(float.NegativeInfinity);
                    l.Clear();
                    acc.Clear();
                    for (int j0 = 0; j0 < keys; j0 += W)
                    {
                        int count = Math.Min(W, keys - j0);
                        AttentionBlocks.PackTransposed(k, g.KAt(n, h, j0), g.KS, count, g.D, packed);
                        for (int r = 0; r < rows; r++)
                        {
                            int i = i0 + r, c = Math.Min(count, g.KeyEnd(i) - j0);
                            if (c <= 0) continue;
                            AttentionBlocks.RowTimesPacked(q.AsSpan(g.QAt(n, h, i), g.D), packed, scores);
                            float scale = g.Scale;
                            if (mask is not null || pad is not null)
                            {
                                TensorPrimitives.Multiply(scores[..c], scale, scores[..c]);   // scale, then add the masks
                                AddMasks(g, mask, pad, n, h, i, j0, scores[..c]);
                                scale = 1f;
                            }
                            if (!AttentionBlocks.ExpBlock(scores, c, scale, ref m[r], out float blockSum, out float alpha))
                                continue;   // every key so far blocked: nothing to add yet
                            var accRow = acc.Slice(r * g.Dv, g.Dv);
                            if (alpha != 1f)
                            {
                                l[r] *= alpha;
                                TensorPrimitives.Multiply(accRow, alpha, accRow);
                            }
                            l[r] += blockSum;
                            var block = scores[..c];
                            if (g.Dropout != 0f)   // the normalizer l sums the undropped weights, as softmax then dropout
                                Dropout.Apply(g.Seed, g.DropCounter(n, h, i, j0), g.Dropout, g.KeepScale, block, block);
                            AttentionBlocks.AddWeightedRows(block, c, v, g.VAt(n, h, j0), g.VS, accRow);
                        }
                    }
                    for (int r = 0; r < rows; r++)
                    {
                        // l = 0 (every key blocked) gives 0/0 = NaN, as softmax does
                        TensorPrimitives.Multiply(acc.Slice(r * g.Dv, g.Dv), 1f / l[r], o.AsSpan(g.OAt(n, h, i0 + r), g.Dv));
                        lse[g.RowAt(n, h, i0 + r)] = m[r] + MathF.Log(l[r]);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }, (long)RowBlock * g.S * (g.D + g.Dv) * 2);
    }

    /// <summary>Adds attn_mask and key-padding values for keys j0.. of row (n, h, i) to the scores block.</summary>
    internal static void AddMasks(in AttentionGeometry g, float[]? mask, float[]? pad, int n, int h, int i, int j0, Span<float> block)
    {
        if (mask is not null)
        {
            int at = g.M0 + n * g.MN + h * g.MH + i * g.ML + j0 * g.MS;
            if (g.MS == 1) TensorPrimitives.Add(block, mask.AsSpan(at, block.Length), block);
            else for (int j = 0; j < block.Length; j++) block[j] += mask[at + j * g.MS];
        }
        if (pad is not null)
        {
            int at = g.P0 + n * g.PN + h * g.PH + i * g.PL + j0 * g.PS;
            if (g.PS == 1) TensorPrimitives.Add(block, pad.AsSpan(at, block.Length), block);
            else for (int j = 0; j < block.Length; j++) block[j] += pad[at + j * g.PS];
        }
    }

    public void RunGpu(GpuBackend gpu)
    {
        var g = Geometry;
        if (g.Rows == 0) return;
        var kernel = gpu.FusedKernel(typeof(Attention), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, AttentionGeometry, View, View, View, View, View, View, View>(ForwardKernel));
        var qv = gpu.View(Q);   // stands in for an absent mask; never read then
        kernel(gpu.Count(g.Rows), g, qv, gpu.View(K), gpu.View(V), Mask is null ? qv : gpu.View(Mask),
            Padding is null ? qv : gpu.View(Padding), gpu.View(O), gpu.View(LogSumExp));
    }

    /// <summary>Score s_ij with both masks (GPU); −∞ stays −∞.</summary>
    internal static float Score(AttentionGeometry g, View q, View k, View mask, View pad, int n, int h, int i, int j)
    {
        int qi = g.QAt(n, h, i), kj = g.KAt(n, h, j);
        float dot = 0f;
        for (int d = 0; d < g.D; d++) dot += q[qi + d] * k[kj + d];
        float s = dot * g.Scale;
        if (g.HasMask != 0) s += mask[g.M0 + n * g.MN + h * g.MH + i * g.ML + j * g.MS];
        if (g.HasPadding != 0) s += pad[g.P0 + n * g.PN + h * g.PH + i * g.PL + j * g.PS];
        return s;
    }

    // one thread per query row r = (n·H + h)·L + i; o row (n, i, h) accumulates in place
    private static void ForwardKernel(Index1D r, AttentionGeometry g, View q, View k, View v, View mask, View pad, View o, View lse)
    {
        int i = r % g.L, nh = r / g.L, h = nh % g.H, n = nh / g.H, oi = g.OAt(n, h, i), end = g.KeyEnd(i);
        for (int d = 0; d < g.Dv; d++) o[oi + d] = 0f;
        float m = float.NegativeInfinity, l = 0f;
        for (int j = 0; j < end; j++)
        {
            float s = Score(g, q, k, mask, pad, n, h, i, j);
            if (s == float.NegativeInfinity) continue;
            int vj = g.VAt(n, h, j);
            if (s > m)
            {
                float alpha = MathF.Exp(m - s);
                l *= alpha;
                for (int d = 0; d < g.Dv; d++) o[oi + d] *= alpha;
                m = s;
            }
            float p = MathF.Exp(s - m);
            l += p;
            p *= g.DropFactor(n, h, i, j);
            for (int d = 0; d < g.Dv; d++) o[oi + d] += p * v[vj + d];
        }
        float inv = 1f / l;
        for (int d = 0; d < g.Dv; d++) o[oi + d] *= inv;
        lse[r] = m + MathF.Log(l);
    }
}
