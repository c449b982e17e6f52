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
// CPU: one task per head (n, h), which owns its dk/dv rows (no races), rows of queries with key
// blocks as the forward. GPU: one thread per query row (δ and dq), then one per key row (dk, dv).
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
        float[] lse = CpuBackend.Data(f.LogSumExp), go = CpuBackend.Data(GradO), gq = CpuBackend.Data(GradQ);
        float[]? mask = f.Mask is null ? null : CpuBackend.Data(f.Mask), pad = f.Padding is null ? null : CpuBackend.Data(f.Padding);
        const int B = Attention.KeyBlock;
        CpuBackend.For((long)g.N * g.H, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(2 * B);
            try
            {
                var p = scratch.AsSpan(0, B);
                var ds = scratch.AsSpan(B, B);
                for (long t = lo; t < hi; t++)
                {
                    int n = (int)(t / g.H), h = (int)(t % g.H);
                    for (int j = 0; j < g.S; j++)
                    {
                        gk.AsSpan(GradKAt(g, n, h, j), g.D).Clear();
                        gv.AsSpan(GradVAt(g, n, h, j), g.Dv).Clear();
                    }
                    for (int i = 0; i < g.L; i++)
                    {
                        var qi = q.AsSpan(g.QAt(n, h, i), g.D);
                        var goi = go.AsSpan(g.OAt(n, h, i), g.Dv);
                        var gqi = gq.AsSpan(GradQAt(g, n, h, i), g.D);
                        gqi.Clear();
                        float delta = TensorPrimitives.Dot(goi, o.AsSpan(g.OAt(n, h, i), g.Dv)), rowLse = lse[g.RowAt(n, h, i)];
                        int end = g.KeyEnd(i);
                        for (int j0 = 0; j0 < end; j0 += B)
                        {
                            int count = Math.Min(B, end - j0);
                            var pb = p[..count];
                            var dsb = ds[..count];
                            for (int j = 0; j < count; j++) pb[j] = TensorPrimitives.Dot(qi, k.AsSpan(g.KAt(n, h, j0 + j), g.D));
                            TensorPrimitives.Multiply(pb, g.Scale, pb);
                            Attention.AddMasks(g, mask, pad, n, h, i, j0, pb);
                            TensorPrimitives.Subtract(pb, rowLse, pb);
                            TensorPrimitives.Exp(pb, pb);
                            for (int j = 0; j < count; j++)
                            {
                                if (pb[j] == 0f) { dsb[j] = 0f; continue; }
                                dsb[j] = pb[j] * (TensorPrimitives.Dot(goi, v.AsSpan(g.VAt(n, h, j0 + j), g.Dv)) - delta) * g.Scale;
                            }
                            for (int j = 0; j < count; j++)
                            {
                                if (pb[j] == 0f) continue;
                                var gvj = gv.AsSpan(GradVAt(g, n, h, j0 + j), g.Dv);
                                TensorPrimitives.MultiplyAdd(goi, pb[j], gvj, gvj);
                                var gkj = gk.AsSpan(GradKAt(g, n, h, j0 + j), g.D);
                                TensorPrimitives.MultiplyAdd(qi, dsb[j], gkj, gkj);
                                TensorPrimitives.MultiplyAdd(k.AsSpan(g.KAt(n, h, j0 + j), g.D), dsb[j], gqi, gqi);
                            }
                        }
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
            float ds = p * (dp - dlt) * g.Scale;
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
            float dp = 0f;
            for (int d = 0; d < g.Dv; d++)
            {
                dp += go[oi + d] * v[vIn + d];
                gv[vj + d] += p * go[oi + d];
            }
            float ds = p * (dp - delta[r]) * g.Scale;
            for (int d = 0; d < g.D; d++) gk[kj + d] += ds * q[qi + d];
        }
    }
}
