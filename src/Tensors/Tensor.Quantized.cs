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

    /// <summary>The uint8 scale and zero point covering this tensor's min and max (with 0), as dynamic quantization uses.</summary>
    public QuantizationParams QuantizationRange() => QuantizedGemmFunction.Dynamic("quantization_range", this);
}
