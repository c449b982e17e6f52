using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// Int8 Dense for inference (torch.ao.nn.quantized.Linear): y = act(dequant(quant(x)·qWᵀ) + b).
/// Weight int8 per output channel (symmetric), activations uint8 per tensor with a calibrated scale
/// and zero point (or per batch when <see cref="QuantizedWeightLayer.InputParams"/> is null), int32 accumulation, float
/// output. Training it (an input that requires grad under grad mode, Parameters() for an optimizer)
/// is refused: train the float <see cref="Dense"/> and quantize again.
/// </summary>
public sealed class QuantizedDense : QuantizedWeightLayer
{
    /// <summary>From a quantized weight [out, in], a float bias [out] (copied) or null, and the input's quantization.</summary>
    public QuantizedDense(QuantizedWeight weight, Tensor? bias = null, Activation activation = Activation.Identity,
        QuantizationParams? inputParams = null)
        : base("quantized_dense", CheckRank(weight), bias, weight.OutChannels, activation, inputParams)
    {
        InFeatures = weight.InFeatures;
        OutFeatures = weight.OutChannels;
    }

    private static QuantizedWeight CheckRank(QuantizedWeight weight) => weight.Shape.Rank == 2 ? weight
        : throw new ArgumentException($"quantized_dense: weight must be [out, in], got {weight.Shape}");

    /// <summary>Quantizes a float Dense layer's weight per output channel.</summary>
    public static QuantizedDense FromFloat(Dense dense, QuantizationParams? inputParams = null) =>
        new(QuantizedWeight.Quantize(dense.Weight), dense.Bias, dense.Activation, inputParams);

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>x: [..., in] → [..., out].</summary>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException($"quantized_dense: input {input.Shape} must end in {InFeatures} features");
        return Tensor.QuantizedLinear(input, Weight, Bias, InputParams, Activation);
    }

    protected override string Describe() =>
        $"QuantizedDense({InFeatures}→{OutFeatures}, int8{(Bias is null ? ", no bias" : "")}{(Activation == Activation.Identity ? "" : ", " + Activation)}{(InputParams is null ? ", dynamic" : "")})";
}
