using DeepNet.Kernels;

namespace DeepNet.Tensors;

/// <summary>
/// Per-tensor affine quantization of activations to uint8 (torch.quint8): x ≈ Scale·(q − ZeroPoint),
/// q in [0, 255]. <see cref="FromRange"/> is torch's MinMaxObserver rule.
/// </summary>
public readonly record struct QuantizationParams(float Scale, int ZeroPoint)
{
    /// <summary>The smallest scale (torch's observer eps, float32 machine epsilon).</summary>
    public const float MinScale = Int8Quantization.MinScale;

    /// <summary>
    /// Scale and zero point covering [min, max] widened to include 0 (so 0 and zero padding are
    /// exact): scale = (max − min)/255, zero point = −round(min/scale) clamped to [0, 255].
    /// Non-finite bounds are an error naming them.
    /// </summary>
    public static QuantizationParams FromRange(float min, float max, string op = "quantize")
    {
        if (!float.IsFinite(min) || !float.IsFinite(max))
            throw new ArgumentException($"{op}: activation range [{min}, {max}] is not finite (the input holds NaN or infinity); int8 quantization needs finite activations");
        if (min > max) throw new ArgumentException($"{op}: activation range min {min} > max {max}");
        float scale = Int8Quantization.RangeScale(min, max);
        return new QuantizationParams(scale, Int8Quantization.RangeZeroPoint(min, scale));
    }

    /// <summary>Throws unless the scale is positive and finite and the zero point a uint8.</summary>
    internal void Validate(string op)
    {
        if (!(Scale > 0f) || !float.IsFinite(Scale) || ZeroPoint < 0 || ZeroPoint > 255)
            throw new ArgumentException($"{op}: activation quantization needs a positive finite scale and a zero point in [0, 255], got scale {Scale}, zero point {ZeroPoint}");
    }
}
