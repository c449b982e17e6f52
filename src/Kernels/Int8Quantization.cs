namespace DeepNet.Kernels;

/// <summary>
/// The scalar rules of int8 quantized inference, shared by the CPU loops and the GPU kernels so
/// both produce the same integers. Activations: q = clamp(round(x / s) + z, 0, 255) with round half
/// to even (torch.quantize_per_tensor, quint8), computed as x · (1/s) in float32 as fbgemm does.
/// Output: y = (Σ q·w − z·Σ w) · (s · s_w[n]) + b[n].
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
}
