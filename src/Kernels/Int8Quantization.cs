using ILGPU;

namespace DeepNet.Kernels;

/// <summary>
/// The scalar rules of int8 quantized inference, shared by the CPU loops and the GPU kernels so
/// both produce the same integers. Activations: q = clamp(round(x / s) + z, 0, 255) with round half
/// to even (torch.quantize_per_tensor, quint8), computed as x · (1/s) in float32 as fbgemm does.
/// Output: y = (Σ q·w − z·Σ w) · (s · s_w[n]) + b[n]. The int8 attention (Kernels/Fused/QuantizedAttention)
/// adds per-row ranges (<see cref="RangeScale"/>), symmetric int8 rows/columns (<see cref="SymmetricScale"/>)
/// and probabilities as uint8 of scale 1/255 (<see cref="ProbabilityCode"/>).
/// </summary>
public static class Int8Quantization
{
    /// <summary>The uint8 code of <paramref name="x"/> for inverse scale <paramref name="inverseScale"/> and zero point <paramref name="zeroPoint"/>.</summary>
    public static int Quantize(float x, float inverseScale, int zeroPoint)
    {
        // Clamping first keeps the int conversion in range; it cannot change a result that is clamped to [0, 255] anyway.
        // (Math.Clamp has a throw path ILGPU cannot compile, hence Min/Max.)
        float v = MathF.Round(MathF.Min(MathF.Max(x * inverseScale, -512f), 512f)) + zeroPoint;
        return (int)MathF.Min(MathF.Max(v, 0f), 255f);
    }

    /// <summary>The float output of one int32 accumulator.</summary>
    public static float Requantize(int accumulator, int zeroPoint, int columnSum, float scale, float bias) =>
        (accumulator - zeroPoint * columnSum) * scale + bias;

    /// <summary>Most products of 255·127 (one uint8·int8 each) an int32 sum holds without overflow.</summary>
    public const int MaxTerms = int.MaxValue / (255 * 128);

    /// <summary>The smallest activation scale (torch's observer eps, float32 machine epsilon).</summary>
    public const float MinScale = 1.1920929e-07f;

    /// <summary>
    /// uint8 scale of [min, max] widened to include 0 (torch's MinMaxObserver): (max − min)/255, at least
    /// <see cref="MinScale"/>. <see cref="RangeZeroPoint"/> is its zero point −round(min/scale) in [0, 255].
    /// </summary>
    public static float RangeScale(float min, float max) => MathF.Max((MathF.Max(max, 0f) - MathF.Min(min, 0f)) / 255f, MinScale);

    /// <summary>The zero point of <see cref="RangeScale"/>: −round(min/scale) clamped to [0, 255].</summary>
    public static int RangeZeroPoint(float min, float scale) => (int)MathF.Min(MathF.Max(-MathF.Round(MathF.Min(min, 0f) / scale), 0f), 255f);

    /// <summary>
    /// Symmetric int8 scale of values whose largest magnitude is <paramref name="amax"/>: amax/127 (1 for
    /// all zeros). A non-finite amax (the values hold NaN or ±∞) gives NaN, so every product it scales is NaN.
    /// </summary>
    public static float SymmetricScale(float amax) => amax == 0f ? 1f : amax > 0f && amax <= float.MaxValue ? amax / 127f : float.NaN;

    /// <summary>1/scale, and 0 for a NaN scale (every code 0; the NaN scale carries the result).</summary>
    public static float InverseScale(float scale) => float.IsNaN(scale) ? 0f : 1f / scale;

    /// <summary>The int8 code of <paramref name="x"/>: round(x·inverseScale) (half to even) clamped to [−127, 127].</summary>
    public static int QuantizeSymmetric(float x, float inverseScale) => (int)MathF.Min(MathF.Max(MathF.Round(x * inverseScale), -127f), 127f);

    /// <summary>
    /// The uint8 code (scale 1/255) of exp(<paramref name="x"/>) for x ≤ 0 (a score minus its row max): round(255·2^t),
    /// t = max(x, −24)·log2 e, with 2^t = 2^⌊t⌋·P(t − ⌊t⌋) and P a degree-4 fit of 2^f on [0, 1) (relative error
    /// 3·10⁻⁶, far below the code step 1/255; P(0) = 1, so the row max is exactly 255). The CPU's vector form
    /// runs the same float operations in the same order.
    /// </summary>
    public static int ProbabilityCode(float x)
    {
        float t = MathF.Max(x, -24f) * Log2E;
        float n = MathF.Floor(t), f = t - n;
        float p = (((Exp2C4 * f + Exp2C3) * f + Exp2C2) * f + Exp2C1) * f + 1f;
        return (int)MathF.Round(p * Interop.IntAsFloat((uint)((int)n + 127) << 23) * 255f);
    }

    internal const float Log2E = 1.44269504f, Exp2C1 = 0.69304496f, Exp2C2 = 0.24127913f, Exp2C3 = 0.05224486f, Exp2C4 = 0.013425188f;
}
