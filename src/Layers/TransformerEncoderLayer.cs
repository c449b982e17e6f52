using DeepNet.Layers.Quantized;
using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// One Transformer encoder block, as torch.nn.TransformerEncoderLayer: self-attention then a
/// feed-forward net (linear1 → activation → dropout → linear2), each with dropout and a residual.
/// Post-norm (default): x = norm1(x + sa(x)); x = norm2(x + ff(x)). Pre-norm (<c>normFirst</c>):
/// x = x + sa(norm1(x)); x = x + ff(norm2(x)). src: [S, N, E] ([N, S, E] batch-first, [S, E] unbatched),
/// shape unchanged. Children keep PyTorch's names: self_attn, linear1, linear2, norm1, norm2.
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    private readonly MultiHeadAttention _selfAttention;
        private readonly LayerNorm _norm1, _norm2;
    private readonly Dropout _dropout, _dropout1, _dropout2;

    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward = 2048, float dropout = 0.1f,
        Activation activation = Activation.Relu, float layerNormEps = 1e-5f, bool batchFirst = false,
        bool normFirst = false, bool bias = true, Generator? generator = null)
    {
        if (dimFeedforward < 1)
            throw new ArgumentException($"transformer_encoder_layer: dim_feedforward must be positive, got {dimFeedforward}");
        DModel = dModel;
        Activation = activation;
        NormFirst = normFirst;
        BatchFirst = batchFirst;
        _selfAttention = RegisterModule("self_attn", new MultiHeadAttention(dModel, nhead, dropout, bias, batchFirst, generator));
        RegisterModule("linear1", new Dense(dModel, dimFeedforward, bias, generator));
        _dropout = RegisterModule("dropout", new Dropout(dropout, generator));
        RegisterModule("linear2", new Dense(dimFeedforward, dModel, bias, generator));
        _norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps));
        _norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps));
        _dropout1 = RegisterModule("dropout1", new Dropout(dropout, generator));
        _dropout2 = RegisterModule("dropout2", new Dropout(dropout, generator));
    }

    public int DModel { get; }
    /// <summary>The feed-forward activation (PyTorch's default Relu; Gelu for BERT-style blocks).</summary>
    public Activation Activation { get; }
    public bool NormFirst { get; }
    public bool BatchFirst { get; }

    /// <summary>The attention block, for inspection.</summary>
    public MultiHeadAttention SelfAttention => _selfAttention;

    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>
    /// srcMask: [S, S] or [N·heads, S, S] (e.g. <see cref="AttentionMask.Causal"/>); srcKeyPaddingMask:
    /// [N, S], e.g. <c>AttentionMask.Blocked(padded)</c> with nonzero = padded position (ignored as a key).
    /// Both as <see cref="MultiHeadAttention.Forward(Tensor, Tensor, Tensor, AttentionMask?, AttentionMask?)"/>.
    /// </summary>
    public Tensor Forward(Tensor src, AttentionMask? srcMask, AttentionMask? srcKeyPaddingMask) => DisposeScope.Run(() =>
    {
        if (NormFirst)
        {
            var attended = src + SelfAttentionBlock(_norm1.Call(src), srcMask, srcKeyPaddingMask);
            return attended + FeedForwardBlock(_norm2.Call(attended));
        }
        var x = _norm1.Call(src + SelfAttentionBlock(src, srcMask, srcKeyPaddingMask));
        return _norm2.Call(x + FeedForwardBlock(x));
    });

    private Tensor SelfAttentionBlock(Tensor x, AttentionMask? mask, AttentionMask? keyPaddingMask) =>
        _dropout1.Call(_selfAttention.Forward(x, x, x, keyPaddingMask, mask));

    private Tensor FeedForwardBlock(Tensor x)
    {
        var linear1 = Child("linear1");   // Child: Quantize may have swapped the Dense layers
        // A plain linear1 takes the activation into its bias epilogue (one pass forward and backward);
        // with hooks it runs as itself, so they see its output.
        if (linear1 is Dense { Activation: Activation.Identity } dense && !dense.HasHooks)
            return _dropout2.Call(Child("linear2").Call(_dropout.Call(Tensor.LinearActivation(x, dense.Weight, dense.Bias, Activation))));
        var hidden = linear1.Call(x);
        // Quantize moves the block's ReLU into an int8 linear1's output pass; then it has run already.
        bool fused = linear1 is QuantizedDense { Activation: var own } && own == Activation && own != Activation.Identity;
        var activated = fused ? hidden : hidden.Activate(Activation);
        return _dropout2.Call(Child("linear2").Call(_dropout.Call(activated)));
    }

    protected override string Describe() => $"TransformerEncoderLayer(d={DModel}{(NormFirst ? ", pre-norm" : "")})";
}
