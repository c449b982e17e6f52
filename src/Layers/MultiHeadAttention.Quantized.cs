using DeepNet.Layers.Quantized;
using DeepNet.Tensors;

namespace DeepNet.Layers;

// The int8 in-projection (Quantization.Quantize with AttentionProjections): in_proj_weight [3E, E]
// becomes per-channel int8 and leaves the parameters; q, k and v come from one int8 GEMM of
// [3E] outputs (cross-attention computes it per input and keeps its third). out_proj is a Dense
// child and is swapped like any other.
public sealed partial class MultiHeadAttention : IQuantizedState
{
    private QuantizedWeight? _inProjQuantized;
    private QuantizationParams? _inProjInput;

    /// <summary>Sees every input of the in-projection (calibration); null when not observing.</summary>
    internal Action<Tensor>? InProjectionObserver { get; set; }

    /// <summary>True once the in-projection is int8: the module then runs inference only.</summary>
    internal override bool IsInferenceOnly => _inProjQuantized is not null;

    /// <summary>Quantizes in_proj_weight per output channel and drops the float parameter.</summary>
    internal void QuantizeInProjection(QuantizationParams? input)
    {
        if (_inProjWeight is null) throw new InvalidOperationException("multi_head_attention: the in-projection is already quantized");
        _inProjQuantized = QuantizedWeight.Quantize(_inProjWeight);
        _inProjInput = input;
        RemoveSlot("in_proj_weight").Dispose();
        _inProjWeight = null;
    }

    /// <summary>x [..., E] → [..., 3E] through the int8 in-projection.</summary>
    private Tensor QuantizedInProjection(Tensor x) => Tensor.QuantizedLinear(x, _inProjQuantized!, _inProjBias, _inProjInput);

    IEnumerable<QuantizedPart> IQuantizedState.QuantizedParts()
    {
        if (_inProjQuantized is null) yield break;
        yield return new QuantizedPart("in_proj_weight", "in_proj_input", _inProjQuantized, _inProjInput, (w, input) =>
        {
            _inProjQuantized.Dispose();
            _inProjQuantized = w.Device == Device ? w : w.To(Device);
            _inProjInput = input;
        });
    }

    private protected override void OnDeviceChanged(Device device)
    {
        if (_inProjQuantized is null || _inProjQuantized.Device == device) return;
        var moved = _inProjQuantized.To(device);
        _inProjQuantized.Dispose();
        _inProjQuantized = moved;
    }

    private protected override void OnDispose() => _inProjQuantized?.Dispose();
}
