using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// What <see cref="QuantizedDense"/> and <see cref="QuantizedConv2D"/> share: the int8 weight
/// (quantized per output channel), the float bias buffer, the activation and the input's
/// quantization, and how they load from a file and follow the module to a device.
/// </summary>
public abstract class QuantizedWeightLayer : Module, IInferenceOnly, IQuantizedState
{
    private QuantizedWeight _weight;
    private readonly Tensor? _bias;

    /// <summary>Takes the weight; copies a bias of [outChannels] (checked, named by <paramref name="op"/>).</summary>
    private protected QuantizedWeightLayer(string op, QuantizedWeight weight, Tensor? bias, int outChannels, Activation activation,
        QuantizationParams? inputParams)
    {
        inputParams?.Validate(op);
        _weight = weight;
        Activation = activation;
        InputParams = inputParams;
        if (bias is not null)
        {
            if (bias.Rank != 1 || bias.Shape[0] != outChannels)
                throw new ArgumentException($"{op}: bias must be [{outChannels}], got {bias.Shape}");
            _bias = RegisterBuffer("bias", bias.Detach().To(weight.Device).Clone());
        }
    }

    public Activation Activation { get; }

    /// <summary>The int8 weight with its per-output-channel scales.</summary>
    public QuantizedWeight Weight => _weight;

    /// <summary>The float bias, or null.</summary>
    public Tensor? Bias => _bias;

    /// <summary>The input's calibrated scale and zero point; null: measured per batch (dynamic).</summary>
    public QuantizationParams? InputParams { get; private set; }

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
}
