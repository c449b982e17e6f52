using DeepNet.Autograd;
using DeepNet.Autograd.Functions;

namespace DeepNet.Tensors;

// Scaled-dot-product attention: the fused flash-style primitive (AttentionFunction), dropout
// included; the materialized composite is kept for a mask that itself requires grad (as torch's
// math backend) and as the tests' reference.
public sealed partial class Tensor
{
    private const string AttentionOp = "scaled_dot_product_attention";

    /// <summary>
    /// torch.nn.functional.scaled_dot_product_attention: softmax(q·kᵀ·scale + mask)·v with
    /// scale = 1/√E by default. query [..., L, E], key [..., S, E], value [..., S, Ev] (2 to 4 dims,
    /// equal batch dims) → [..., L, Ev]. <paramref name="attnMask"/> is additive (0 keeps, −∞ blocks;
    /// a boolean "may not attend" mask b is <c>Where(b, −∞, 0)</c>) and broadcasts to [..., L, S];
    /// <paramref name="isCausal"/> lets query i attend keys j ≤ i (not together with a mask, as torch).
    /// Dropout on the attention weights applies when <paramref name="dropoutP"/> &gt; 0.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        float dropoutP = 0f, bool isCausal = false, float? scale = null, Generator? generator = null) =>
        ScaledDotProductAttention(query, key, value, attnMask, null, dropoutP, isCausal, scale, generator);

    /// <summary>As the public overload, plus an additive key padding mask broadcast to the scores (MultiHeadAttention's [N, 1, 1, S]).</summary>
    internal static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask, Tensor? keyPadding,
        float dropoutP, bool isCausal, float? scale, Generator? generator)
    {
        int rank = query.Rank;
        if (rank < 2 || rank > 4 || key.Rank != rank || value.Rank != rank)
            throw new ArgumentException($"{AttentionOp}: query, key and value must have one rank from 2 to 4 ([..., L, E]), got {query.Shape}, {key.Shape}, {value.Shape}");
        if (isCausal && attnMask is not null)
            throw new ArgumentException($"{AttentionOp}: pass either attn_mask or is_causal, not both");
        if (dropoutP < 0f || dropoutP >= 1f)
            throw new ArgumentException($"{AttentionOp}: dropout_p must be in [0, 1), got {dropoutP}");
        if (Autocast.Lowers(query) || Autocast.Lowers(key) || Autocast.Lowers(value))
            return DisposeScope.Run(() =>
            {
                // One 16-bit copy of a tensor passed twice (self-attention on one input), so backward saves it once.
                var q = Autocast.Lower(query);
                var k = ReferenceEquals(key, query) ? q : Autocast.Lower(key);
                var v = ReferenceEquals(value, query) ? q : ReferenceEquals(value, key) ? k : Autocast.Lower(value);
                return ScaledDotProductAttention(q, k, v, attnMask, keyPadding, dropoutP, isCausal, scale, generator);
            });
        float s = scale ?? 1f / MathF.Sqrt(query.ShapeArray[^1]);
        // Float64 anywhere: the composite in double primitives (the op's definition; the fused kernel is Float32).
        bool composite = attnMask is { RequiresGrad: true } || keyPadding is { RequiresGrad: true }
            || query.DType == DType.Float64 || key.DType == DType.Float64 || value.DType == DType.Float64
            || attnMask?.DType == DType.Float64 || keyPadding?.DType == DType.Float64;
        return DisposeScope.Run(() =>
        {
            Tensor As4D(Tensor t) => rank == 4 ? t : t.Reshape([.. Enumerable.Repeat(1, 4 - rank), .. t.ShapeArray]);
            var (q, k, v) = (As4D(query), As4D(key), As4D(value));
            if (composite) return Restore(AttentionComposite(q, k, v, attnMask, keyPadding, dropoutP, isCausal, s, generator));
            // Dropout draws the uniforms Rand([N, H, L, S]) would (same generator, same counters), in the kernel.
            var g = generator ?? Generator.Default;
            ulong counter = dropoutP > 0f ? g.Take((long)q.ShapeArray[0] * q.ShapeArray[1] * q.ShapeArray[2] * k.ShapeArray[2]) : 0;
            return Restore(AttentionFunction.Apply(q, k, v, attnMask, keyPadding, isCausal, s, dropoutP, g.Seed, counter));
            Tensor Restore(Tensor output) => rank == 4 ? output : output.Reshape([.. query.ShapeArray[..^1], value.ShapeArray[^1]]);
        });
    }

    // The materialized form: scores [N, H, L, S], softmax, dropout, then ·v (inside the caller's scope).
    private static Tensor AttentionComposite(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? padding, float dropoutP,
        bool causal, float scale, Generator? generator)
    {
        var scores = q.MatMul(k.Transpose(-2, -1)) * scale;
        if (causal)
        {
            int l = q.ShapeArray[2], s = k.ShapeArray[2];
            var later = Arange(s, q.Device).Reshape(1, s).Gt(Arange(l, q.Device).Reshape(l, 1));
            scores += Where(later, Full([], float.NegativeInfinity, q.Device), Zeros([], q.Device));
        }
        if (mask is not null) scores += mask;
        if (padding is not null) scores += padding;
        var weights = scores.Softmax(-1);
        if (dropoutP > 0f) weights = weights.Dropout(dropoutP, true, generator);
        return weights.MatMul(v);
    }
}
