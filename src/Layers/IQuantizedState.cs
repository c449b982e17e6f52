using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// A module holding int8 weights (<see cref="QuantizedWeightSlots"/>): its codes and scales are tensor
/// slots of the state dict, and the packed GEMM form is a cache rebuilt from them after a load.
/// </summary>
internal interface IQuantizedState
{
    /// <summary>The module's int8 weights.</summary>
    IEnumerable<QuantizedWeightSlots> QuantizedSlots();
}

/// <summary>
/// One int8 weight of a module as state-dict slots — <c>Name</c> (Int8 codes, output channels first),
/// <c>Name_scale</c> (Float32 [out]) and, when the input is quantized statically, <c>InputKey_scale</c>
/// (Float32 []) and <c>InputKey_zero_point</c> (Int32 []) — and the <see cref="QuantizedWeight"/> packed
/// from them for the device's kernels (a cache: rebuilt by <see cref="Reload"/> after the slots are
/// loaded, and on a device move).
/// </summary>
internal sealed class QuantizedWeightSlots
{
    private readonly Tensor _codes, _scales;
    private readonly Tensor? _inputScale, _inputZeroPoint;

    /// <summary>Registers the slots through <paramref name="register"/> (the module's RegisterBuffer) from <paramref name="weight"/>, which becomes the cache.</summary>
    public QuantizedWeightSlots(string name, string inputKey, QuantizedWeight weight, QuantizationParams? input, Func<string, Tensor, Tensor> register)
    {
        Name = name;
        InputKey = inputKey;
        var device = weight.Device;
        _codes = register(name, Tensor.FromArray(weight.Values, weight.Shape.ToArray(), device));
        _scales = register(name + "_scale", Tensor.FromArray(weight.Scales, [weight.OutChannels], device));
        if (input is { } qp)
        {
            _inputScale = register(inputKey + "_scale", Tensor.FromArray(new[] { qp.Scale }, [], device));
            _inputZeroPoint = register(inputKey + "_zero_point", Tensor.FromArray(new[] { qp.ZeroPoint }, [], device));
        }
        Weight = weight;
        Input = input;
    }

    /// <summary>The codes' slot name ("weight", "in_proj_weight").</summary>
    public string Name { get; }

    /// <summary>The prefix of the input-quantization slots ("input", "in_proj_input").</summary>
    public string InputKey { get; }

    /// <summary>True when the input is quantized statically (the scale and zero point are slots).</summary>
    public bool IsStatic => _inputScale is not null;

    public Shape Shape => _codes.Shape;

    /// <summary>The packed cache of the slots.</summary>
    public QuantizedWeight Weight { get; private set; }

    public QuantizationParams? Input { get; private set; }

    /// <summary>Rebuilds the cache from the slots (after a load) for <paramref name="device"/>; the values were checked by <see cref="Check"/>.</summary>
    public void Reload(Device device)
    {
        var values = _codes.ToArray<sbyte>();
        var scales = _scales.ToArray();
        var shape = _codes.ShapeArray;
        var rebuilt = Weight.IsLookupTable ? QuantizedWeight.Rows(values, scales, shape, device) : new QuantizedWeight(values, scales, shape, device);
        Weight.Dispose();
        Weight = rebuilt;
        if (_inputScale is not null)
            Input = new QuantizationParams(_inputScale.ToArray()[0], _inputZeroPoint!.ToArray<int>()[0]);
    }

    /// <summary>Packs the cache for <paramref name="device"/> (the slots were moved by Module.To).</summary>
    public void Move(Device device)
    {
        if (Weight.Device == device) return;
        var moved = Weight.To(device);
        Weight.Dispose();
        Weight = moved;
    }

    public void Dispose() => Weight.Dispose();

    /// <summary>
    /// Checks incoming values for these slots (named with <paramref name="prefix"/>) before anything is
    /// written: dtypes exactly Int8 / Float32 / Int32 (never converted), codes in [−127, 127], scales
    /// positive and finite, a zero point in [0, 255]. Absent keys are left to the strict key check.
    /// </summary>
    public void Check(string op, string prefix, Func<string, Tensor?> lookup)
    {
        var codes = Expect(op, prefix + Name, lookup, DType.Int8);
        if (codes is not null && codes.ToArray<sbyte>().Contains(sbyte.MinValue))
            throw new ArgumentException($"{op}: '{prefix + Name}' holds the code −128, outside the symmetric int8 range [−127, 127]");
        if (Expect(op, prefix + Name + "_scale", lookup, DType.Float32) is { } scales)
            foreach (float s in scales.ToArray())
                if (!(s > 0f) || !float.IsFinite(s))
                    throw new ArgumentException($"{op}: '{prefix + Name}_scale' holds {s}; int8 weight scales must be positive and finite");
        string key = prefix + InputKey;
        var inputScale = Expect(op, key + "_scale", lookup, DType.Float32);
        var zeroPoint = Expect(op, key + "_zero_point", lookup, DType.Int32);
        if (inputScale is not null && zeroPoint is not null)
            new QuantizationParams(inputScale.ToArray()[0], zeroPoint.ToArray<int>()[0]).Validate($"{op}: '{key}_scale'");
    }

    private static Tensor? Expect(string op, string name, Func<string, Tensor?> lookup, DType dtype)
    {
        var value = lookup(name);
        if (value is not null && value.DType != dtype)
            throw new ArgumentException($"{op}: '{name}' is {value.DType} but this int8 layer stores it as {dtype} (nothing is converted; was it saved from this quantized model?)");
        return value;
    }
}
