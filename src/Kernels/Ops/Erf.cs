using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

/// <summary>
/// erf for the kernels (MathF and Math have none). Float32: the Chebyshev fit of erfc from Numerical
/// Recipes (erfcc), fractional error below 1.2e-7, i.e. at float32 resolution. Float64: the
/// all-positive series erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) below |x| = 2.5 and the
/// continued fraction of erfc above, both to about 1e-16 (ErfTests hold it to tabulated values).
/// Loops have fixed bounds so ILGPU compiles them.
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

    /// <summary>The float32 fit on 8 lanes (CPU only): the same polynomial, Vector256.Exp for MathF.Exp.</summary>
    public static Vector256<float> Evaluate(Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var z = Vector256.Abs(x);
        var t = one / (one + 0.5f * z);
        var poly = -z * z - Vector256.Create(1.26551223f) + t * (Vector256.Create(1.00002368f) + t * (Vector256.Create(0.37409196f)
            + t * (Vector256.Create(0.09678418f) + t * (Vector256.Create(-0.18628806f) + t * (Vector256.Create(0.27886807f)
            + t * (Vector256.Create(-1.13520398f) + t * (Vector256.Create(1.48851587f) + t * (Vector256.Create(-0.82215223f)
            + t * 0.17087277f))))))));
        var erfc = t * Vector256.Exp(poly);
        // x ≥ 0 is false for NaN, so NaN takes erfc − 1 = NaN as in the scalar form.
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), one - erfc, erfc - one);
    }

    /// <summary>erf(x) in double.</summary>
    public static double Evaluate(double x)
    {
        double z = Math.Abs(x);
        double r = z < 2.5 ? Series(z) : 1.0 - ComplementTail(z);
        return x >= 0.0 ? r : -r;
    }

    /// <summary>erfc(x) = 1 − erf(x) in double, without cancellation for large positive x.</summary>
    public static double Complement(double x)
    {
        if (x >= 2.5) return ComplementTail(x);
        if (x <= -2.5) return 2.0 - ComplementTail(-x);
        return x >= 0.0 ? 1.0 - Series(x) : 1.0 + Series(-x);
    }

    // 0 ≤ z < 2.5: terms grow by 2z²/(2n+3) and then shrink; 80 terms reach 1e-17 relative.
    private static double Series(double z)
    {
        double term = z, sum = z, z2 = z * z;
        for (int n = 0; n < 80; n++)
        {
            term *= 2.0 * z2 / (2 * n + 3);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        return 1.1283791670955126 * Math.Exp(-z2) * sum;
    }

    // z ≥ 2.5: erfc(z) = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated bottom-up.
    private static double ComplementTail(double z)
    {
        double f = z;
        for (int k = 60; k >= 1; k--) f = z + 0.5 * k / f;
        return 0.56418958354775629 * Math.Exp(-z * z) / f;
    }
}
