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
// flash-style: keys are visited in blocks of KeyBlock with an online softmax (running max m,
// running sum l, the accumulator rescaled by exp(m_old − m_new) when the max grows), so no [L, S]
// matrix exists; the row's log-sum-exp m + log l is kept for the backward, which recomputes the
// probabilities. A block whose scores are all −∞ changes nothing (a row masked only at its start
// stays finite); a row masked everywhere ends 0/0 = NaN, as the composite's softmax gives.
// CPU: rows of one head in groups of RowBlock per task (the head's K/V blocks stay in cache),
// TensorPrimitives dot/exp/axpy (Vector512/256 inside). GPU: one thread per query row, the
// accumulator in the output row. Oracle: tests/DeepNet.Tests/Tensors/AttentionTests (equality with
// the MatMul → Softmax → MatMul composite, forward and gradients, every mask kind, CPU and emulator).

/// <summary>
/// o = softmax(scale·q·kᵀ + masks)·v for the operands of <see cref="AttentionGeometry"/>. Mask and
/// Padding may be absent (HasMask / HasPadding = 0). O: [N, L, H, Dv] dense; LogSumExp: [N, H, L] dense.
/// </summary>
public readonly record struct Attention(AttentionGeometry Geometry, DeviceBuffer Q, DeviceBuffer K, DeviceBuffer V,
    DeviceBuffer? Mask, DeviceBuffer? Padding, DeviceBuffer O, DeviceBuffer LogSumExp) : IFusedOp
{
    internal const int KeyBlock = 128, RowBlock = 16;

    public string Name => "scaled_dot_product_attention";

    public void RunCpu(CpuBackend cpu)
    {
        var g = Geometry;
        if (g.Rows == 0) return;
        float[] q = CpuBackend.Data(Q), k = CpuBackend.Data(K), v = CpuBackend.Data(V), o = CpuBackend.Data(O), lse = CpuBackend.Data(LogSumExp);
        float[]? mask = Mask is null ? null : CpuBackend.Data(Mask), pad = Padding is null ? null : CpuBackend.Data(Padding);
        int rowBlocks = (g.L + RowBlock - 1) / RowBlock;
        CpuBackend.For((long)g.N * g.H * rowBlocks, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(KeyBlock + g.Dv);
            try
            {
                var scores = scratch.AsSpan(0, KeyBlock);
                var acc = scratch.AsSpan(KeyBlock, g.Dv);
                for (long t = lo; t < hi; t++)
                {
                    int nh = (int)(t / rowBlocks), n = nh / g.H, h = nh - n * g.H, i0 = (int)(t % rowBlocks) * RowBlock;
                    for (int i = i0; i < Math.Min(g.L, i0 + RowBlock); i++)
                        lse[g.RowAt(n, h, i)] = Row(g, q, k, v, mask, pad, n, h, i, scores, acc, o.AsSpan(g.OAt(n, h, i), g.Dv));
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }, (long)RowBlock * g.S * (g.D + g.Dv) * 2);
    }

    /// <summary>One query row, blocked over keys with the online softmax; returns the row's log-sum-exp.</summary>
    private static float Row(in AttentionGeometry g, float[] q, float[] k, float[] v, float[]? mask, float[]? pad,
        int n, int h, int i, Span<float> scores, Span<float> acc, Span<float> output)
    {
        var qi = q.AsSpan(g.QAt(n, h, i), g.D);
        int end = g.KeyEnd(i);
        float m = float.NegativeInfinity, l = 0f;
        acc.Clear();
        for (int j0 = 0; j0 < end; j0 += KeyBlock)
        {
            int count = Math.Min(KeyBlock, end - j0);
            var block = scores[..count];
            for (int j = 0; j < count; j++) block[j] = TensorPrimitives.Dot(qi, k.AsSpan(g.KAt(n, h, j0 + j), g.D));
            TensorPrimitives.Multiply(block, g.Scale, block);
            AddMasks(g, mask, pad, n, h, i, j0, block);
            float blockMax = TensorPrimitives.Max(block), mNew = MathF.Max(m, blockMax);
            if (mNew == float.NegativeInfinity) continue;   // every key so far blocked: nothing to add yet
            if (mNew != m)
            {
                float alpha = MathF.Exp(m - mNew);
                l *= alpha;
                TensorPrimitives.Multiply(acc, alpha, acc);
                m = mNew;
            }
            TensorPrimitives.Subtract(block, m, block);
            TensorPrimitives.Exp(block, block);
            l += TensorPrimitives.Sum(block);
            for (int j = 0; j < count; j++)
                if (block[j] != 0f) TensorPrimitives.MultiplyAdd(v.AsSpan(g.VAt(n, h, j0 + j), g.Dv), block[j], acc, acc);
        }
        TensorPrimitives.Multiply(acc, 1f / l, output);   // l = 0 (all blocked) gives NaN, as softmax does
        return m + MathF.Log(l);
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
            for (int d = 0; d < g.Dv; d++) o[oi + d] += p * v[vj + d];
        }
        float inv = 1f / l;
        for (int d = 0; d < g.Dv; d++) o[oi + d] *= inv;
        lse[r] = m + MathF.Log(l);
    }
}
