using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// What <see cref="QuantizedDense"/> and <see cref="QuantizedConv2D"/> share: the int8 weight
/// (quantized per output channel), the float bias buffer, the activation and the input's
/// quantization, and how they load from a file and follow the module to a device.
/// </summary>
public abstract class QuantizedWeightLayer : Module, IInferenceOnly, IQuantizedState
{
    private readonly QuantizedWeightSlots _slots;
    private readonly Tensor? _bias;

    /// <summary>Takes the weight; copies a bias of [outChannels] (checked, named by <paramref name="op"/>).</summary>
    private protected QuantizedWeightLayer(string op, QuantizedWeight weight, Tensor? bias, int outChannels, Activation activation,
        QuantizationParams? inputParams)
    {
        inputParams?.Validate(op);
        Activation = activation;
        if (bias is not null)
        {
            if (bias.Rank != 1 || bias.Shape[0] != outChannels)
                throw new ArgumentException($"{op}: bias must be [{outChannels}], got {bias.Shape}");
            _bias = RegisterBuffer("bias", bias.Detach().To(weight.Device).Clone());
        }
        _slots = new QuantizedWeightSlots("weight", "input", weight, inputParams, RegisterBuffer);
    }

    public Activation Activation { get; }

    /// <summary>The int8 weight with its per-output-channel scales (packed from the Int8 "weight" and Float32 "weight_scale" slots).</summary>
    public QuantizedWeight Weight => _slots.Weight;

    /// <summary>The float bias, or null.</summary>
    public Tensor? Bias => _bias;

    /// <summary>The input's calibrated scale and zero point (the "input_scale" / "input_zero_point" slots); null: measured per batch (dynamic).</summary>
    public QuantizationParams? InputParams => _slots.Input;

    IEnumerable<QuantizedWeightSlots> IQuantizedState.QuantizedSlots() => [_slots];

    private protected override void OnDeviceChanged(Device device) => _slots.Move(device);

    private protected override void OnDispose() => _slots.Dispose();
}
