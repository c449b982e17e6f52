using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Layers;

/// <summary>
/// Multi-head scaled dot-product attention, as torch.nn.MultiheadAttention with PyTorch's layout:
/// <c>in_proj_weight</c> [3E, E] (q, k, v stacked), <c>in_proj_bias</c> [3E], <c>out_proj</c> a Dense(E, E).
/// Query [L, N, E], key and value [S, N, E] ([N, L, E] / [N, S, E] batch-first, or unbatched [L, E])
/// → [L, N, E]. Per head: softmax(q·kᵀ/√d + mask)·v with d = E / heads.
/// </summary>
public sealed partial class MultiHeadAttention : Module
{
    private Tensor? _inProjWeight;   // null once the in-projection is quantized (MultiHeadAttention.Quantized.cs)
    private readonly Tensor? _inProjBias;
    private readonly Generator? _generator;

    /// <summary>Xavier-uniform in_proj_weight, zero biases, Dense's default out_proj weight (PyTorch's init).</summary>
    public MultiHeadAttention(int embedDim, int numHeads, float dropout = 0f, bool bias = true, bool batchFirst = false, Generator? generator = null)
    {
        if (embedDim < 1 || numHeads < 1 || embedDim % numHeads != 0)
            throw new ArgumentException($"multi_head_attention: embed_dim ({embedDim}) must be a positive multiple of num_heads ({numHeads})");
        if (dropout < 0f || dropout >= 1f)
            throw new ArgumentException($"multi_head_attention: dropout must be in [0, 1), got {dropout}");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        DropoutProbability = dropout;
        BatchFirst = batchFirst;
        _generator = generator;
        float xavier = MathF.Sqrt(6f / (embedDim + 3 * embedDim));
        _inProjWeight = RegisterParameter("in_proj_weight", Tensor.Rand([3 * embedDim, embedDim], generator, low: -xavier, high: xavier));
        if (bias) _inProjBias = RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim]));
        var outProj = RegisterModule("out_proj", new Dense(embedDim, embedDim, bias, generator));
        if (bias)
            using (GradMode.NoGrad()) outProj.Bias!.Zero();
    }

    public int EmbedDim { get; }
    public int NumHeads { get; }
    public int HeadDim => EmbedDim / NumHeads;

    /// <summary>Dropout probability on the attention weights (training only).</summary>
    public float DropoutProbability { get; }

    public bool BatchFirst { get; }

    /// <summary>Self-attention: query = key = value = <paramref name="input"/>.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, input, input);

    /// <summary>
    /// Attention output. keyPaddingMask: [N, S] (or [S] unbatched) per key; attnMask: [L, S] or
    /// [N·heads, L, S]. Each is an <see cref="AttentionMask"/>: <see cref="AttentionMask.Blocked"/>
    /// (nonzero = may not attend, PyTorch's bool mask) or <see cref="AttentionMask.Additive"/> (added
    /// to the scores, PyTorch's float mask); a raw tensor reads as additive, and one of only 0s and
    /// 1s is refused as ambiguous. See <see cref="AttentionMask.Causal"/>.
    /// </summary>
    public Tensor Forward(Tensor query, Tensor key, Tensor value, AttentionMask? keyPaddingMask = null, AttentionMask? attnMask = null)
    {
        var (output, weights) = Attend(query, key, value, keyPaddingMask, attnMask, needWeights: false, averageWeights: true);
        weights?.Dispose();
        return output;
    }

    /// <summary>
    /// Output and attention weights: [N, L, S] averaged over heads, or [N, heads, L, S] when
    /// <paramref name="averageWeights"/> is false ([L, S] / [heads, L, S] unbatched).
    /// </summary>
    public (Tensor Output, Tensor Weights) ForwardWithWeights(Tensor query, Tensor key, Tensor value,
        AttentionMask? keyPaddingMask = null, AttentionMask? attnMask = null, bool averageWeights = true)
    {
        var (output, weights) = Attend(query, key, value, keyPaddingMask, attnMask, needWeights: true, averageWeights);
        return (output, weights!);
    }

    /// <summary>
    /// [size, size] additive mask with −∞ above the diagonal: position i attends to j ≤ i only
    /// (torch.nn.Transformer.generate_square_subsequent_mask). <see cref="AttentionMask.Causal"/> wraps it.
    /// </summary>
    public static Tensor CausalMask(int size, Device? device = null) => DisposeScope.Run(() =>
    {
        var rows = Tensor.Arange(size, device).Reshape(size, 1);
        return AttentionMask.Blocked(Tensor.Arange(size, device).Gt(rows)).ToAdditive();   // column j > row i: a future position
    });

    private (Tensor Output, Tensor? Weights) Attend(Tensor query, Tensor key, Tensor value, AttentionMask? keyPaddingMask,
        AttentionMask? attnMask, bool needWeights, bool averageWeights)
    {
        bool unbatched = query.Rank == 2;
        int expectedRank = unbatched ? 2 : 3;
        foreach (var (name, t) in new[] { ("query", query), ("key", key), ("value", value) })
            if (t.Rank != expectedRank || t.ShapeArray[^1] != EmbedDim)
                throw new ArgumentException($"multi_head_attention: {name} must be [{(unbatched ? "L" : BatchFirst ? "N, L" : "L, N")}, {EmbedDim}] like the query {query.Shape}, got {t.Shape}");
        if (key.Shape != value.Shape)
            throw new ArgumentException($"multi_head_attention: key {key.Shape} and value {value.Shape} must have one shape");
        return DisposeScope.Run(() =>
        {
            Tensor Batched(Tensor t) => unbatched ? t.Unsqueeze(0) : BatchFirst ? t : t.Transpose(0, 1);   // → [N, ·, E]
            var q = Batched(query);
            var k = ReferenceEquals(key, query) ? q : Batched(key);
            var v = ReferenceEquals(value, key) ? k : Batched(value);
            if (q.ShapeArray[0] != k.ShapeArray[0])
                throw new ArgumentException($"multi_head_attention: query {query.Shape} and key {key.Shape} have different batch sizes");
            var padding = keyPaddingMask?.ToAdditive();
            if (padding is not null && unbatched) padding = padding.Unsqueeze(0);
            int length = q.ShapeArray[1];
            // A causal mask of the right size runs as the kernel's causal flag: no mask is read.
            bool causal = attnMask is { CausalSize: > 0 } && attnMask.CausalSize == length && k.ShapeArray[1] == length;
            var mask = causal ? null : attnMask?.ToAdditive();
            var (output, weights) = new ScaledDotProduct(this, q, k, v, padding, mask, causal).Run(needWeights, averageWeights);
            if (unbatched) output = output.Squeeze(0);
            else if (!BatchFirst) output = output.Transpose(0, 1);
            if (weights is not null && unbatched) weights = weights.Squeeze(0);
            return (output, weights);
        });
    }

    /// <summary>The projections and per-head attention of one call, batch-first, inside Attend's scope.</summary>
    private readonly record struct ScaledDotProduct(MultiHeadAttention Owner, Tensor Q, Tensor K, Tensor V, Tensor? Padding, Tensor? Mask, bool Causal)
    {
        public (Tensor Output, Tensor? Weights) Run(bool needWeights, bool averageWeights)
        {
            int n = Q.ShapeArray[0], l = Q.ShapeArray[1], s = K.ShapeArray[1], e = Owner.EmbedDim, h = Owner.NumHeads, d = Owner.HeadDim;
            var (heads, keys, values) = Project();   // [N, h, L|S, d] views
            var mask = Mask is null ? null : MaskFor(Mask, n, h, l, s);
            Tensor? padding = null;
            if (Padding is not null)
            {
                if (!Padding.ShapeArray.AsSpan().SequenceEqual([n, s]))
                    throw new ArgumentException($"multi_head_attention: key_padding_mask must be [{n}, {s}], got {Padding.Shape}");
                padding = Padding.Reshape(n, 1, 1, s);
            }
            float dropout = Owner.IsTraining ? Owner.DropoutProbability : 0f;
            float scale = 1f / MathF.Sqrt(d);
            if (!needWeights)
            {
                // The fused flash-style primitive: no [L, S] scores kept (the materialized path only under dropout);
                // with an int8 in-projection at inference, its int8 form.
                var attended = Owner.Int8Products && dropout == 0f
                    ? Tensor.QuantizedScaledDotProductAttention(heads, keys, values, mask, padding, Causal, scale)
                    : Tensor.ScaledDotProductAttention(heads, keys, values, mask, padding, dropout, Causal, scale, Owner._generator);
                return (Owner.Child("out_proj").Call(attended.Permute(0, 2, 1, 3).Reshape(n, l, e)), null);   // [N, L, E], a view of the kernel's output
            }
            var scores = heads.MatMul(keys.Transpose(2, 3)) * scale;         // [N, h, L, S]
            if (Causal) scores += CausalMask(l, Q.Device);
            if (mask is not null) scores += mask;
            if (padding is not null) scores += padding;
            var attention = scores.Softmax(-1);
            // Tensor.Dropout's identity path is a graph-less alias, so skip it when it would do nothing.
            var dropped = dropout > 0f ? attention.Dropout(dropout, true, Owner._generator) : attention;
            var mixed = dropped.MatMul(values).Permute(0, 2, 1, 3).Reshape(n, l, e);   // [N, L, E]
            var output = Owner.Child("out_proj").Call(mixed);   // Child: Quantize may have swapped the Dense
            var weights = averageWeights ? dropped.Mean(1) : dropped.Contiguous();
            return (output, weights);
        }

        /// <summary>
        /// q [N, h, L, d], k and v [N, h, S, d]: views of the projection outputs split into heads. The
        /// [N, ·, c·E] output is viewed as [N, ·, c, h, d] before picking a part, so no copy is made
        /// (reshaping a narrowed last dim would copy each of q, k and v).
        /// </summary>
        private (Tensor Q, Tensor K, Tensor V) Project()
        {
            int e = Owner.EmbedDim, h = Owner.NumHeads, d = Owner.HeadDim;
            var owner = Owner;
            var weight = owner._inProjWeight;
            var bias = owner._inProjBias;
            // x [N, ·, E] → [N, ·, parts, E] for the in-projection rows start.. (parts·E of them); the int8 in-projection
            // always computes all 3E (one GEMM), so a cross-attention input keeps only its part.
            Tensor Linear(Tensor x, int start, int parts, out int part)
            {
                owner.InProjectionObserver?.Invoke(x);
                Tensor y;
                if (weight is null)
                {
                    y = owner.QuantizedInProjection(x);
                    part = start / e;
                    parts = 3;
                }
                else
                {
                    var w = weight.Narrow(0, start, parts * e);
                    var b = bias?.Narrow(0, start, parts * e);
                    part = 0;
                    // A sequence-first input ([L, N, E], seen here as its batch-first transpose): project the
                    // dense original (one GEMM, the bias fused) and view the result batch-first, no copy.
                    var seqFirst = x.IsContiguous ? null : x.Transpose(0, 1);
                    if (seqFirst is { IsContiguous: true })
                        return Tensor.Linear(seqFirst, w, b).Reshape(x.ShapeArray[1], x.ShapeArray[0], parts, h, d).Transpose(0, 1);
                    y = Tensor.Linear(x, w, b);
                }
                return y.Reshape(y.ShapeArray[0], y.ShapeArray[1], parts, h, d);
            }
            static Tensor Heads(Tensor y, int part) => y.Select(2, part).Permute(0, 2, 1, 3);   // [N, ·, parts, h, d] → [N, h, ·, d]
            if (ReferenceEquals(Q, K) && ReferenceEquals(K, V))
            {
                var qkv = Linear(Q, 0, 3, out _);                                       // one matmul for self-attention
                return (Heads(qkv, 0), Heads(qkv, 1), Heads(qkv, 2));
            }
            var q = Linear(Q, 0, 1, out int qPart);
            var k = Linear(K, e, 1, out int kPart);
            // The int8 GEMM of the key already holds the value's part when key and value are one tensor.
            var v = weight is null && ReferenceEquals(K, V) ? k : Linear(V, 2 * e, 1, out _);
            int vPart = weight is null ? 2 : 0;
            return (Heads(q, qPart), Heads(k, kPart), Heads(v, vPart));
        }

        private Tensor MaskFor(Tensor mask, int n, int h, int l, int s)
        {
            if (mask.ShapeArray.AsSpan().SequenceEqual([l, s])) return mask;
            if (mask.ShapeArray.AsSpan().SequenceEqual([n * h, l, s])) return mask.Reshape(n, h, l, s);
            throw new ArgumentException($"multi_head_attention: attn_mask must be [{l}, {s}] or [{n * h}, {l}, {s}], got {mask.Shape}");
        }
    }

    protected override string Describe() => $"MultiHeadAttention(E={EmbedDim}, heads={NumHeads})";
}
