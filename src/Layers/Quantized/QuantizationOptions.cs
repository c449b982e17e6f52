using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>How <see cref="Quantization.Quantize"/> quantizes a model.</summary>
public sealed record QuantizationOptions
{
    /// <summary>
    /// True: activations are quantized per batch from their min/max (dynamic; no calibration data
    /// needed, one host read per layer). False (default): each layer's input range is recorded
    /// over the calibration batches once (static, torch's MinMaxObserver).
    /// </summary>
    public bool Dynamic { get; init; }

    /// <summary>
    /// True (default): a Dense/Conv2D without activation followed by a Relu in a Sequential becomes one
    /// int8 layer with the ReLU in its output pass, and the Relu is replaced by an <see cref="Identity"/>
    /// (torch.ao.quantization.fuse_modules does the same), so indices and state names stay. Likewise a
    /// <see cref="TransformerEncoderLayer"/> with the ReLU feed-forward gets an int8 linear1 with the
    /// ReLU in its epilogue, and the block skips its own activation pass.
    /// </summary>
    public bool FuseRelu { get; init; } = true;

    /// <summary>
    /// True: Embedding layers are also replaced, by weight-only <see cref="QuantizedEmbedding"/> (int8
    /// table, per-row scales; torch's float_qparams_weight_only). Off by default, as in torch.
    /// </summary>
    public bool Embeddings { get; init; }

    /// <summary>
    /// True: the input projection of each <see cref="MultiHeadAttention"/> (in_proj_weight, three
    /// quarters of its weights) becomes int8 too, calibrated on the attention inputs. Its out_proj is a
    /// Dense and is quantized either way. Off by default.
    /// </summary>
    public bool AttentionProjections { get; init; }

    /// <summary>
    /// With <see cref="AttentionProjections"/>: true (default) runs attention's score and weighted-sum products in
    /// int8 as well (<see cref="Tensor.QuantizedScaledDotProductAttention(Tensor, Tensor, Tensor, Tensor?, bool, float?)"/>:
    /// query rows, key rows and value columns quantized per call, softmax in float32, its weights as uint8);
    /// false keeps them on the float32 attention kernel. Nothing is stored for it, so a file loads either way.
    /// </summary>
    public bool AttentionProducts { get; init; } = true;

    /// <summary>Which Dense/Conv2D layers to quantize, by dotted path; null: all of them.</summary>
    public Func<string, Module, bool>? Include { get; init; }
}
