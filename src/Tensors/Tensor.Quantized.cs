using DeepNet.Autograd.Functions;

namespace DeepNet.Tensors;

// Int8 quantized inference ops (no gradients: inputs that require grad under grad mode are refused).
public sealed partial class Tensor
{
    /// <summary>
    /// y = dequant(quant(x)·qWᵀ) + b with int32 accumulation. x: [..., in] float, weight [out, in]
    /// int8 per channel, bias [out] or null → [..., out]. <paramref name="inputParams"/> null: the
    /// scale and zero point come from this batch's min/max (dynamic quantization).
    /// <paramref name="activation"/> follows the bias (ReLU fused into the output pass).
    /// </summary>
    public static Tensor QuantizedLinear(Tensor input, QuantizedWeight weight, Tensor? bias = null, QuantizationParams? inputParams = null,
        Activation activation = Activation.Identity) =>
        QuantizedGemmFunction.Linear(input, weight, bias, inputParams, activation);

    /// <summary>
    /// Int8 2-d convolution (groups 1) as im2col + the int8 GEMM. x: [N, C, H, W] float, weight
    /// [K, C, R, S] int8 per output channel, bias [K] or null → [N, K, P, Q].
    /// </summary>
    public static Tensor QuantizedConv2D(Tensor input, QuantizedWeight weight, Tensor? bias = null, (int H, int W)? stride = null,
        (int H, int W)? padding = null, (int H, int W)? dilation = null, QuantizationParams? inputParams = null,
        Activation activation = Activation.Identity) =>
        QuantizedGemmFunction.Conv2D(input, weight, bias, stride ?? (1, 1), padding ?? (0, 0), dilation ?? (1, 1), inputParams, activation);

    /// <summary>
    /// Int8 embedding lookup (weight only): rows of <paramref name="table"/> [num_embeddings, dim]
    /// (<see cref="QuantizedWeight.QuantizeRows"/>) dequantized for integer ids of any shape → [..ids, dim].
    /// </summary>
    public static Tensor QuantizedEmbedding(Tensor ids, QuantizedWeight table) => QuantizedEmbeddingFunction.Apply(ids, table);

    /// <summary>
    /// Int8 <see cref="ScaledDotProductAttention(Tensor, Tensor, Tensor, Tensor?, float, bool, float?, Generator?)"/> for
    /// inference: query rows quantized to uint8 (each its own range), key rows and value columns to symmetric int8,
    /// q·kᵀ and p·v with int32 sums, the softmax in float32 and its weights as uint8 at scale 1/255
    /// (Kernels/Fused/QuantizedAttention). Float32 query [..., L, E], key [..., S, E], value [..., S, Ev] (2 to 4
    /// dims) → [..., L, Ev]; <paramref name="attnMask"/> additive, broadcast to [..., L, S]; no dropout, no gradient.
    /// </summary>
    public static Tensor QuantizedScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        bool isCausal = false, float? scale = null) => QuantizedScaledDotProductAttention(query, key, value, attnMask, null, isCausal, scale);

    /// <summary>As the public overload, plus an additive key padding mask broadcast to the scores (MultiHeadAttention's [N, 1, 1, S]).</summary>
    internal static Tensor QuantizedScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask, Tensor? keyPadding,
        bool isCausal, float? scale)
    {
        const string op = "quantized_scaled_dot_product_attention";
        int rank = query.Rank;
        if (rank < 2 || rank > 4 || key.Rank != rank || value.Rank != rank)
            throw new ArgumentException($"{op}: query, key and value must have one rank from 2 to 4 ([..., L, E]), got {query.Shape}, {key.Shape}, {value.Shape}");
        if (isCausal && attnMask is not null)
            throw new ArgumentException($"{op}: pass either attn_mask or is_causal, not both");
        float s = scale ?? 1f / MathF.Sqrt(query.ShapeArray[^1]);
        return DisposeScope.Run(() =>
        {
            Tensor As4D(Tensor t) => rank == 4 ? t : t.Reshape([.. Enumerable.Repeat(1, 4 - rank), .. t.ShapeArray]);
            var output = QuantizedAttentionFunction.Apply(As4D(query), As4D(key), As4D(value), attnMask, keyPadding, isCausal, s);
            return rank == 4 ? output : output.Reshape([.. query.ShapeArray[..^1], value.ShapeArray[^1]]);
        });
    }

    /// <summary>The uint8 scale and zero point covering this tensor's min and max (with 0), as dynamic quantization uses.</summary>
    public QuantizationParams QuantizationRange() => QuantizedGemmFunction.Dynamic("quantization_range", this);
}
