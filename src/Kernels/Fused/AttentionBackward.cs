using System.Buffers;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Backward of the fused attention (Attention.cs), recomputing the probabilities from the saved
// log-sum-exp (flash-style, nothing [L, S] was kept):
//   p_ij = exp(s_ij − lse_i),  δ_i = dO_i·O_i,  dP_ij = dO_i·v_j,  dS_ij = p_ij·(dP_ij − δ_i)
//   dv_j = Σ_i p_ij·dO_i,  dq_i = scale·Σ_j dS_ij·k_j,  dk_j = scale·Σ_i dS_ij·q_i
// With dropout factors m_ij (0 or 1/(1 − p)): dv uses p·m, dP becomes m·(dO_i·v_j), and δ = dO·O
// still equals Σ_j p·dP (O already holds the dropped weights).
// CPU: one task per head (n, h), which owns its dk/dv rows (no races); each key block is packed
// transposed (K and V) once, then every query row gets its p and dP rows as broadcast FMAs over
// 64 key lanes, adds its share to dq, and rank-1 updates the block's transposed dk/dv, which are
// added to the outputs once per block (AttentionBlocks). GPU: one thread per query row (δ and dq), then one per key row (dk, dv).
// Oracle: tests/DeepNet.Tests/Tensors/AttentionTests.

/// <summary>
/// Gradients of <see cref="Attention"/>. GradO: [N, L, H, Dv] dense (the output's layout); GradQ
/// [N, L, H, D], GradK [N, S, H, D], GradV [N, S, H, Dv]: dense, overwritten; Delta: [N, H, L] scratch.
/// </summary>
public readonly record struct AttentionBackward(Attention Forward, DeviceBuffer GradO, DeviceBuffer Delta,
    DeviceBuffer GradQ, DeviceBuffer GradK, DeviceBuffer GradV) : IFusedOp
{
    public string Name => "scaled_dot_product_attention backward";

    private static int GradQAt(AttentionGeometry g, int n, int h, int i) => ((n * g.L + i) * g.H + h) * g.D;
    private static int GradKAt(AttentionGeometry g, int n, int h, int j) => ((n * g.S + j) * g.H + h) * g.D;
    private static int GradVAt(AttentionGeometry g, int n, int h, int j) => ((n * g.S + j) * g.H + h) * g.Dv;

    public void RunCpu(CpuBackend cpu)
    {
        var f = Forward;
        var g = f.Geometry;
        float[] gk = CpuBackend.Data(GradK), gv = CpuBackend.Data(GradV);
        if (g.Rows == 0)
        {
            gk.AsSpan(0, g.N * g.S * g.H * g.D).Clear();
            gv.AsSpan(0, g.N * g.S * g.H * g.Dv).Clear();
            return;
        }
        float[] q = CpuBackend.Data(f.Q), k = CpuBackend.Data(f.K), v = CpuBackend.Data(f.V), o = CpuBackend.Data(f.O);
        float[] lse = CpuBackend.Data(f.LogSumExp), go = CpuBackend.Data(GradO), gq = CpuBackend.Data(GradQ), delta = CpuBackend.Data(Delta);
        float[]? mask = f.Mask is null ? null : CpuBackend.Data(f.Mask), pad = f.Padding is null ? null : CpuBackend.Data(f.Padding);
        const int W = AttentionBlocks.Width;
        CpuBackend.For((long)g.N * g.H, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent((2 * g.D + 2 * g.Dv + 3) * W);
            try
            {
                var kt = scratch.AsSpan(0, g.D * W);
                var vt = scratch.AsSpan(g.D * W, g.Dv * W);
                var gkt = scratch.AsSpan((g.D + g.Dv) * W, g.D * W);          // this block's dk, transposed
                var gvt = scratch.AsSpan((2 * g.D + g.Dv) * W, g.Dv * W);     // this block's dv, transposed
                var p = scratch.AsSpan((2 * g.D + 2 * g.Dv) * W, W);
                var ds = scratch.AsSpan((2 * g.D + 2 * g.Dv + 1) * W, W);
                var pd = scratch.AsSpan((2 * g.D + 2 * g.Dv + 2) * W, W);
                for (long t = lo; t < hi; t++)
                {
                    int n = (int)(t / g.H), h = (int)(t % g.H);
                    // rows (n, j, h) of gk [N, S, H, D] and gv [N, S, H, Dv]: this head's, H·D apart
                    int gk0 = GradKAt(g, n, h, 0), gv0 = GradVAt(g, n, h, 0), gkStride = g.H * g.D, gvStride = g.H * g.Dv;
                    for (int j = 0; j < g.S; j++)
                    {
                        gk.AsSpan(gk0 + j * gkStride, g.D).Clear();
                        gv.AsSpan(gv0 + j * gvStride, g.Dv).Clear();
                    }
                    int gq0 = GradQAt(g, n, h, 0), gqStride = g.H * g.D;
                    for (int i = 0; i < g.L; i++)
                    {
                        delta[g.RowAt(n, h, i)] = TensorPrimitives.Dot(go.AsSpan(g.OAt(n, h, i), g.Dv), o.AsSpan(g.OAt(n, h, i), g.Dv));
                        gq.AsSpan(gq0 + i * gqStride, g.D).Clear();
                    }
                    int keys = g.KeyEnd(g.L - 1);
                    for (int j0 = 0; j0 < keys; j0 += W)
                    {
                        int count = Math.Min(W, keys - j0);
                        AttentionBlocks.PackTransposed(k, g.KAt(n, h, j0), g.KS, count, g.D, kt);
                        AttentionBlocks.PackTransposed(v, g.VAt(n, h, j0), g.VS, count, g.Dv, vt);
                        gkt.Clear();
                        gvt.Clear();
                        for (int i = 0; i < g.L; i++)
                        {
                            int c = Math.Min(count, g.KeyEnd(i) - j0);
                            if (c <= 0) continue;
                            var qi = q.AsSpan(g.QAt(n, h, i), g.D);
                            var goi = go.AsSpan(g.OAt(n, h, i), g.Dv);
                            AttentionBlocks.RowTimesPacked(qi, kt, p);
                            AttentionBlocks.RowTimesPacked(goi, vt, ds);
                            float scale = g.Scale;
                            if (mask is not null || pad is not null)
                            {
                                TensorPrimitives.Multiply(p[..c], scale, p[..c]);   // scale, then add the masks
                                Attention.AddMasks(g, mask, pad, n, h, i, j0, p[..c]);
                                scale = 1f;
                            }
                            AttentionBlocks.ProbabilityBlock(p, c, scale, lse[g.RowAt(n, h, i)]);
                            if (g.Dropout != 0f)
                            {
                                ulong at = g.DropCounter(n, h, i, j0);
                                Dropout.Apply(g.Seed, at, g.Dropout, g.KeepScale, ds[..c], ds[..c]);   // dP = dropout·(dO·vᵀ)
                                Dropout.Apply(g.Seed, at, g.Dropout, g.KeepScale, p[..c], pd[..c]);
                                pd[c..].Clear();
                            }
                            else p.CopyTo(pd);
                            AttentionBlocks.GradScoreBlock(ds, p, delta[g.RowAt(n, h, i)], g.Scale);   // dS = p·(dP − δ)·scale, 0 past c
                            var dsb = ds[..c];
                            AttentionBlocks.AddWeightedRows(dsb, c, k, g.KAt(n, h, j0), g.KS, gq.AsSpan(gq0 + i * gqStride, g.D));
                            AttentionBlocks.AddOuter(goi, pd, gvt);   // dv_j += (p·dropout)_ij·dO_i
                            AttentionBlocks.AddOuter(qi, ds, gkt);    // dk_j += dS_ij·q_i
                        }
                        AttentionBlocks.AddUnpacked(gkt, count, g.D, gk, gk0 + j0 * gkStride, gkStride);
                        AttentionBlocks.AddUnpacked(gvt, count, g.Dv, gv, gv0 + j0 * gvStride, gvStride);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }, (long)g.L * g.S * (g.D + g.Dv) * 3);
    }

    public void RunGpu(GpuBackend gpu)
    {
        var f = Forward;
        var g = f.Geometry;
        var qv = gpu.View(f.Q);
        View mask = f.Mask is null ? qv : gpu.View(f.Mask), pad = f.Padding is null ? qv : gpu.View(f.Padding);
        if (g.Rows > 0)
        {
            var rows = gpu.FusedKernel(typeof(AttentionBackward), acc =>
                acc.LoadAutoGroupedStreamKernel<Index1D, AttentionGeometry, View, View, View, View, View, View, View, View, View, View>(QueryKernel));
            rows(gpu.Count(g.Rows), g, qv, gpu.View(f.K), gpu.View(f.V), mask, pad, gpu.View(f.O), gpu.View(f.LogSumExp),
                gpu.View(GradO), gpu.View(Delta), gpu.View(GradQ));
        }
        long keyRows = (long)g.N * g.H * g.S;
        if (keyRows == 0) return;
        var keys = gpu.FusedKernel((typeof(AttentionBackward), "keys"), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, AttentionGeometry, View, View, View, View, View, View, View, View, View, View>(KeyKernel));
        keys(gpu.Count(keyRows), g, qv, gpu.View(f.K), gpu.View(f.V), mask, pad, gpu.View(f.LogSumExp),
            gpu.View(GradO), gpu.View(Delta), gpu.View(GradK), gpu.View(GradV));
    }

    // one thread per query row r = (n·H + h)·L + i: δ_i = dO_i·O_i, dq_i = scale·Σ_j dS_ij·k_j
    private static void QueryKernel(Index1D r, AttentionGeometry g, View q, View k, View v, View mask, View pad, View o, View lse,
        View go, View delta, View gq)
    {
        int i = r % g.L, nh = r / g.L, h = nh % g.H, n = nh / g.H, oi = g.OAt(n, h, i), qi = GradQAt(g, n, h, i);
        float dlt = 0f;
        for (int d = 0; d < g.Dv; d++) dlt += go[oi + d] * o[oi + d];
        delta[r] = dlt;
        for (int d = 0; d < g.D; d++) gq[qi + d] = 0f;
        float rowLse = lse[r];
        for (int j = 0; j < g.KeyEnd(i); j++)
        {
            float p = MathF.Exp(Attention.Score(g, q, k, mask, pad, n, h, i, j) - rowLse);
            if (p == 0f) continue;
            int vj = g.VAt(n, h, j), kj = g.KAt(n, h, j);
            float dp = 0f;
            for (int d = 0; d < g.Dv; d++) dp += go[oi + d] * v[vj + d];
            float ds = p * (dp * g.DropFactor(n, h, i, j) - dlt) * g.Scale;
            for (int d = 0; d < g.D; d++) gq[qi + d] += ds * k[kj + d];
        }
    }

    // one thread per key row t = (n·H + h)·S + j: dv_j = Σ_i p_ij·dO_i, dk_j = scale·Σ_i dS_ij·q_i
    private static void KeyKernel(Index1D t, AttentionGeometry g, View q, View k, View v, View mask, View pad, View lse,
        View go, View delta, View gk, View gv)
    {
        int j = t % g.S, nh = t / g.S, h = nh % g.H, n = nh / g.H, kj = GradKAt(g, n, h, j), vj = GradVAt(g, n, h, j), vIn = g.VAt(n, h, j);
        for (int d = 0; d < g.D; d++) gk[kj + d] = 0f;
        for (int d = 0; d < g.Dv; d++) gv[vj + d] = 0f;
        for (int i = g.Causal != 0 ? j : 0; i < g.L; i++)
        {
            int r = g.RowAt(n, h, i), oi = g.OAt(n, h, i), qi = g.QAt(n, h, i);
            float p = MathF.Exp(Attention.Score(g, q, k, mask, pad, n, h, i, j) - lse[r]);
            if (p == 0f) continue;
            float keep = g.DropFactor(n, h, i, j), kept = p * keep, dp = 0f;
            for (int d = 0; d < g.Dv; d++)
            {
                dp += go[oi + d] * v[vIn + d];
                gv[vj + d] += kept * go[oi + d];
            }
            float ds = p * (dp * keep - delta[r]) * g.Scale;
            for (int d = 0; d < g.D; d++) gk[kj + d] += ds * q[qi + d];
        }
    }
}
