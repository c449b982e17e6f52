using DeepNet.Layers.Quantized;
using DeepNet.Tensors;

namespace DeepNet.Layers;

// The int8 in-projection (Quantization.Quantize with AttentionProjections): in_proj_weight [3E, E]
// becomes per-channel int8 — the Int8 "in_proj_weight" buffer with "in_proj_weight_scale" (and
// "in_proj_input_scale"/"_zero_point" when static) in place of the float parameter; q, k and v come
// from one int8 GEMM of [3E] outputs (cross-attention computes it per input and keeps its third).
// out_proj is a Dense child and is swapped like any other. With int8 products (QuantizationOptions.AttentionProducts)
// the scores and the weighted sum run on the int8 attention kernel too (dynamic scales: nothing more is stored).
public sealed partial class MultiHeadAttention : IQuantizedState
{
    private QuantizedWeightSlots? _inProjQuantized;
    private bool _int8Products;

    /// <summary>True when q·kᵀ and p·v run in int8 (Tensor.QuantizedScaledDotProductAttention) rather than float32.</summary>
    internal bool Int8Products => _inProjQuantized is not null && _int8Products;

    /// <summary>Sees every input of the in-projection (calibration); null when not observing.</summary>
    internal Action<Tensor>? InProjectionObserver { get; set; }

    /// <summary>True once the in-projection is int8: the module then runs inference only.</summary>
    internal override bool IsInferenceOnly => _inProjQuantized is not null;

    /// <summary>
    /// Quantizes in_proj_weight per output channel and drops the float parameter; <paramref name="products"/>:
    /// the attention products run in int8 from then on.
    /// </summary>
    internal void QuantizeInProjection(QuantizationParams? input, bool products = true)
    {
        if (_inProjWeight is null) throw new InvalidOperationException("multi_head_attention: the in-projection is already quantized");
        var weight = QuantizedWeight.Quantize(_inProjWeight);
        RemoveSlot("in_proj_weight").Dispose();
        _inProjWeight = null;
        _int8Products = products;
        _inProjQuantized = new QuantizedWeightSlots("in_proj_weight", "in_proj_input", weight, input, RegisterBuffer);
    }

    /// <summary>x [..., E] → [..., 3E] through the int8 in-projection.</summary>
    private Tensor QuantizedInProjection(Tensor x) => Tensor.QuantizedLinear(x, _inProjQuantized!.Weight, _inProjBias, _inProjQuantized.Input);

    IEnumerable<QuantizedWeightSlots> IQuantizedState.QuantizedSlots() => _inProjQuantized is null ? [] : [_inProjQuantized];

    private protected override void OnDeviceChanged(Device device) => _inProjQuantized?.Move(device);

    private protected override void OnDispose() => _inProjQuantized?.Dispose();
}
