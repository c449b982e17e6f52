using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// Int8 Dense for inference (torch.ao.nn.quantized.Linear): y = act(dequant(quant(x)·qWᵀ) + b).
/// Weight int8 per output channel (symmetric), activations uint8 per tensor with a calibrated scale
/// and zero point (or per batch when <see cref="InputParams"/> is null), int32 accumulation, float
/// output. Training it (an input that requires grad under grad mode, Parameters() for an optimizer)
/// is refused: train the float <see cref="Dense"/> and quantize again.
/// </summary>
public sealed class QuantizedDense : Module, IInferenceOnly, IQuantizedState
{
    private QuantizedWeight _weight;
    private readonly Tensor? _bias;

    /// <summary>From a quantized weight [out, in], a float bias [out] (copied) or null, and the input's quantization.</summary>
    public QuantizedDense(QuantizedWeight weight, Tensor? bias = null, Activation activation = Activation.Identity,
        QuantizationParams? inputParams = null)
    {
        if (weight.Shape.Rank != 2) throw new ArgumentException($"quantized_dense: weight must be [out, in], got {weight.Shape}");
        inputParams?.Validate("quantized_dense");
        _weight = weight;
        InFeatures = weight.InFeatures;
        OutFeatures = weight.OutChannels;
        Activation = activation;
        InputParams = inputParams;
        if (bias is not null)
        {
            if (bias.Rank != 1 || bias.Shape[0] != OutFeatures)
                throw new ArgumentException($"quantized_dense: bias must be [{OutFeatures}], got {bias.Shape}");
            _bias = RegisterBuffer("bias", bias.Detach().To(weight.Device).Clone());
        }
    }

    /// <summary>Quantizes a float Dense layer's weight per output channel.</summary>
    public static QuantizedDense FromFloat(Dense dense, QuantizationParams? inputParams = null) =>
        new(QuantizedWeight.Quantize(dense.Weight), dense.Bias, dense.Activation, inputParams);

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public Activation Activation { get; }

    /// <summary>The int8 weight [out, in] with its scales.</summary>
    public QuantizedWeight Weight => _weight;

    /// <summary>The float bias [out], or null.</summary>
    public Tensor? Bias => _bias;

    /// <summary>The input's calibrated scale and zero point; null: measured per batch (dynamic).</summary>
    public QuantizationParams? InputParams { get; private set; }

    /// <summary>x: [..., in] → [..., out].</summary>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException($"quantized_dense: input {input.Shape} must end in {InFeatures} features");
        return Tensor.QuantizedLinear(input, _weight, _bias, InputParams, Activation);
    }

    /// <summary>Replaces the int8 weight and the input's quantization (loading a file); the shapes must match.</summary>
    internal void LoadQuantized(QuantizedWeight weight, QuantizationParams? inputParams)
    {
        if (weight.Shape != _weight.Shape) throw new ArgumentException($"{GetType().Name}: weight {weight.Shape} does not match {_weight.Shape}");
        if ((inputParams is null) != (InputParams is null))
            throw new ArgumentException($"{GetType().Name}: static and dynamic activation quantization do not mix");
        _weight.Dispose();
        _weight = weight;
        InputParams = inputParams;
        OnDeviceChanged(Device);   // re-packs for this module's device when the weight came from another
    }

    IEnumerable<QuantizedPart> IQuantizedState.QuantizedParts() =>
        [new QuantizedPart("weight", "input", _weight, InputParams, LoadQuantized)];

    private protected override void OnDeviceChanged(Device device)
    {
        if (device == _weight.Device) return;
        var moved = _weight.To(device);
        _weight.Dispose();
        _weight = moved;
    }

    private protected override void OnDispose() => _weight.Dispose();

    protected override string Describe() =>
        $"QuantizedDense({InFeatures}→{OutFeatures}, int8{(Bias is null ? ", no bias" : "")}{(Activation == Activation.Identity ? "" : ", " + Activation)}{(InputParams is null ? ", dynamic" : "")})";
}
