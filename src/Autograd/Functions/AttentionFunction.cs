using DeepNet.Tensors;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Scaled-dot-product attention on the fused flash-style kernel (Kernels/Fused/Attention) for
/// 4-d q [N, H, L, D], k [N, H, S, D], v [N, H, S, Dv] with additive masks broadcast to
/// [N, H, L, S] (no gradient flows to a mask: callers with a mask that requires grad use the
/// composite); attention dropout runs inside the kernel on the counter-based stream. Returns [N, H, L, Dv] as a permuted view of the dense [N, L, H, Dv] output, so the
/// usual merge of heads into [N, L, H·Dv] copies nothing. Saves q, k, v, the output and the row
/// log-sum-exp; the backward recomputes the probabilities. tests/DeepNet.Tests/Tensors/AttentionTests
/// asserts equality with the composite.
/// </summary>
internal sealed class AttentionFunction : Function
{
    private const string Op = "scaled_dot_product_attention";
    private Attention _forward;
    private Tensor _q = null!, _k = null!, _v = null!, _o = null!, _lse = null!;
    private Tensor? _mask, _padding;
    private bool _needQ, _needK, _needV, _half;

    public override string Name => "ScaledDotProductAttentionBackward";

    /// <summary>Sizes, scale, causal flag and which masks were read (ONNX export; under a capture the masks follow q, k, v as inputs).</summary>
    internal AttentionGeometry Geometry => _forward.Geometry;

    /// <summary>
    /// The attention of 4-d q, k, v; with <paramref name="dropout"/> &gt; 0 each weight is dropped as
    /// Rand([N, H, L, S], seed, counter) &lt; p would drop it (see <see cref="AttentionGeometry.Dropout"/>).
    /// </summary>
    public static Tensor Apply(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? padding, bool causal, float scale,
        float dropout = 0f, ulong seed = 0, ulong counter = 0)
    {
        Tensor.CheckSameDevice(Op, q, k, v);
        if (mask is not null) Tensor.CheckSameDevice(Op, q, mask);
        if (padding is not null) Tensor.CheckSameDevice(Op, q, padding);
        if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4)
            throw new ArgumentException($"{Op}: expects 4-d query, key, value [N, H, L, E], got {q.Shape}, {k.Shape}, {v.Shape}");
        int n = q.ShapeArray[0], h = q.ShapeArray[1], l = q.ShapeArray[2], d = q.ShapeArray[3], s = k.ShapeArray[2], dv = v.ShapeArray[3];
        if (k.ShapeArray[0] != n || k.ShapeArray[1] != h || k.ShapeArray[3] != d || v.ShapeArray[0] != n || v.ShapeArray[1] != h || v.ShapeArray[2] != s)
            throw new ArgumentException($"{Op}: query {q.Shape}, key {k.Shape} and value {v.Shape} must be [N, H, L, E], [N, H, S, E] and [N, H, S, Ev]");
        if (q.Layout.Strides[3] != 1 && d > 1 || k.Layout.Strides[3] != 1 && d > 1 || v.Layout.Strides[3] != 1 && dv > 1)
        {
            using var dq = UnitLast(q);
            using var dk = UnitLast(k);
            using var dvT = UnitLast(v);
            return Apply(dq, dk, dvT, mask, padding, causal, scale, dropout, seed, counter);
        }
        if (HalfScratch.IsHalf(q.DType) || HalfScratch.IsHalf(k.DType) || HalfScratch.IsHalf(v.DType))
            return HalfApply(q, k, v, mask, padding, causal, scale, dropout, seed, counter);
        var g = BuildGeometry(q, k, v, mask, padding, causal, scale, dropout, seed, counter);
        var device = q.Device;
        var o = Tensor.Empty([g.N, g.L, g.H, g.Dv], device);
        using var lse = Tensor.Empty([g.N, g.H, g.L], device);
        var op = new Attention(g, q.Buffer, k.Buffer, v.Buffer, mask?.Buffer, padding?.Buffer, o.Buffer, lse.Buffer);
        q.Backend.Run(op);
        if (ShouldRecord(q, k, v)) Record(new AttentionFunction { _forward = op }, q, k, v, mask, padding, o, lse);
        using (o) return o.Permute(0, 2, 1, 3);
    }

    // 16-bit q, k, v: the kernel on dense float32 scratch (float32 accumulation), the output rounded
    // once; the node saves the 16-bit q, k, v and output (and the float32 row log-sum-exp, [N, H, L]),
    // and the backward converts them into scratch again (HalfScratch).
    private static Tensor HalfApply(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? padding, bool causal, float scale,
        float dropout, ulong seed, ulong counter)
    {
        HalfScratch.RequireSameDType(Op, q, k);
        HalfScratch.RequireSameDType(Op, q, v);
        using var q32 = HalfScratch.Float32(q);
        using var k32 = HalfScratch.Float32(k);
        using var v32 = HalfScratch.Float32(v);
        using var mask32 = mask is null ? null : HalfScratch.Float32OrAlias(mask);
        using var padding32 = padding is null ? null : HalfScratch.Float32OrAlias(padding);
        var g = BuildGeometry(q32, k32, v32, mask32, padding32, causal, scale, dropout, seed, counter);
        var o32 = Tensor.Empty([g.N, g.L, g.H, g.Dv], q.Device);
        using var lse = Tensor.Empty([g.N, g.H, g.L], q.Device);
        var op = new Attention(g, q32.Buffer, k32.Buffer, v32.Buffer, mask32?.Buffer, padding32?.Buffer, o32.Buffer, lse.Buffer);
        q.Backend.Run(op);
        var o = HalfScratch.Round(o32, q.DType);
        if (ShouldRecord(q, k, v)) Record(new AttentionFunction { _forward = op, _half = true }, q, k, v, mask, padding, o, lse);
        using (o) return o.Permute(0, 2, 1, 3);
    }

    private static void Record(AttentionFunction node, Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? padding, Tensor o, Tensor lse)
    {
        (node._needQ, node._needK, node._needV) = (q.RequiresGrad, k.RequiresGrad, v.RequiresGrad);
        // The op holds these buffers (16-bit: the backward's scratch is made from them); the saved
        // aliases keep them alive until backward.
        node._q = node.Save(q);
        node._k = node.Save(k);
        node._v = node.Save(v);
        node._o = node.Save(o);
        node._lse = node.Save(lse);
        if (mask is not null) node._mask = node.Save(mask);
        if (padding is not null) node._padding = node.Save(padding);
        // A capture records the masks as extra edges (no gradient flows to them): masks that come from the input.
        if (IsCapturing) node.Record(o, [q, k, v, .. mask is null ? Array.Empty<Tensor>() : [mask], .. padding is null ? Array.Empty<Tensor>() : [padding]]);
        else node.Record(o, q, k, v);
    }

    internal static AttentionGeometry BuildGeometry(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? padding, bool causal, float scale,
        float dropout, ulong seed, ulong counter)
    {
        int n = q.ShapeArray[0], h = q.ShapeArray[1], l = q.ShapeArray[2], d = q.ShapeArray[3], s = k.ShapeArray[2], dv = v.ShapeArray[3];
        var g = new AttentionGeometry
        {
            N = n, H = h, L = l, S = s, D = d, Dv = dv, Scale = scale, Causal = causal ? 1 : 0,
            HasMask = mask is null ? 0 : 1, HasPadding = padding is null ? 0 : 1,
            Dropout = dropout, KeepScale = dropout == 0f ? 1f : 1f / (1f - dropout), Seed = seed, Counter = counter,
            Q0 = q.Layout.Offset, QN = q.Layout.Strides[0], QH = q.Layout.Strides[1], QL = q.Layout.Strides[2],
            K0 = k.Layout.Offset, KN = k.Layout.Strides[0], KH = k.Layout.Strides[1], KS = k.Layout.Strides[2],
            V0 = v.Layout.Offset, VN = v.Layout.Strides[0], VH = v.Layout.Strides[1], VS = v.Layout.Strides[2],
        };
        if (mask is not null) (g.M0, g.MN, g.MH, g.ML, g.MS) = AttentionGeometry.MaskStrides(Op, "attn_mask", mask.Layout, n, h, l, s);
        if (padding is not null) (g.P0, g.PN, g.PH, g.PL, g.PS) = AttentionGeometry.MaskStrides(Op, "key padding mask", padding.Layout, n, h, l, s);
        return g;
    }

    // p = exp(s − lse), δ = dO·O, dS = p·(dO·vᵀ − δ) ⇒ dv = pᵀ·dO, dq = scale·dS·k, dk = scale·dSᵀ·q
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        if (!_half) return Gradients(_forward, gradOutput);
        // The forward's scratch again: same shapes, so the same dense strides the geometry holds.
        using var q32 = HalfScratch.Float32(_q);
        using var k32 = HalfScratch.Float32(_k);
        using var v32 = HalfScratch.Float32(_v);
        using var o32 = HalfScratch.Float32(_o);
        using var mask32 = _mask is null ? null : HalfScratch.Float32OrAlias(_mask);
        using var padding32 = _padding is null ? null : HalfScratch.Float32OrAlias(_padding);
        using var gradO32 = HalfScratch.Float32(gradOutput);
        var op = new Attention(_forward.Geometry, q32.Buffer, k32.Buffer, v32.Buffer, mask32?.Buffer, padding32?.Buffer, o32.Buffer, _lse.Buffer);
        var grads = Gradients(op, gradO32);
        for (int i = 0; i < grads.Length; i++)
            if (grads[i] is { } grad32)
                grads[i] = HalfScratch.Round(grad32, _q.DType);   // the [N, H, ·, E] view, rounded into a dense tensor
        return grads;
    }

    private Tensor?[] Gradients(Attention forward, Tensor gradOutput)
    {
        var g = forward.Geometry;
        var device = gradOutput.Device;
        using var gradO = gradOutput.IsContiguous ? gradOutput.Alias() : gradOutput.Contiguous();   // [N, L, H, Dv]
        using var delta = Tensor.Empty([g.N, g.H, g.L], device);
        var gradQ = Tensor.Empty([g.N, g.L, g.H, g.D], device);
        var gradK = Tensor.Empty([g.N, g.S, g.H, g.D], device);
        var gradV = Tensor.Empty([g.N, g.S, g.H, g.Dv], device);
        gradOutput.Backend.Run(new AttentionBackward(forward, gradO.Buffer, delta.Buffer, gradQ.Buffer, gradK.Buffer, gradV.Buffer));
        return [Heads(gradQ, _needQ), Heads(gradK, _needK), Heads(gradV, _needV)];
    }

    /// <summary>[N, ·, H, E] dense → the [N, H, ·, E] view the input had; null when not needed.</summary>
    private static Tensor? Heads(Tensor grad, bool needed)
    {
        using (grad) return needed ? grad.Permute(0, 2, 1, 3) : null;
    }

    private static Tensor UnitLast(Tensor t) => t.Layout.Strides[3] == 1 || t.ShapeArray[3] <= 1 ? t.Alias() : t.Contiguous();
}
