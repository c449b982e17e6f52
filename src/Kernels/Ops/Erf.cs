namespace DeepNet.Kernels.Ops;

/// <summary>
/// erf(x) for float32 kernels (MathF has none): the Chebyshev fit of erfc from Numerical
/// Recipes (erfcc), fractional error below 1.2e-7 everywhere, i.e. at float32 resolution.
/// </summary>
public static class Erf
{
    public static float Evaluate(float x)
    {
        float z = MathF.Abs(x);
        float t = 1f / (1f + 0.5f * z);
        float poly = -z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f +
            t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f +
            t * (-0.82215223f + t * 0.17087277f))))))));
        float erfc = t * MathF.Exp(poly);
        return x >= 0f ? 1f - erfc : erfc - 1f;
    }
}
