using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

// Unary elementwise ops. Backward(x, y, g) may use the input x or the output y, whichever is cheaper.

public struct NegOp : IUnaryOp
{
    public readonly float Forward(float x) => -x;
    public readonly float Backward(float x, float y, float g) => -g;
    public readonly double Forward(double x) => -x;
    public readonly double Backward(double x, double y, double g) => -g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => -x;
}

public struct ExpOp : IUnaryOp
{
    public readonly float Forward(float x) => MathF.Exp(x);
    public readonly float Backward(float x, float y, float g) => g * y;
    public readonly double Forward(double x) => Math.Exp(x);
    public readonly double Backward(double x, double y, double g) => g * y;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => Vector256.Exp(x);
}

public struct LogOp : IUnaryOp
{
    public readonly float Forward(float x) => MathF.Log(x);
    public readonly float Backward(float x, float y, float g) => g / x;
    public readonly double Forward(double x) => Math.Log(x);
    public readonly double Backward(double x, double y, double g) => g / x;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => Vector256.Log(x);
}

public struct SqrtOp : IUnaryOp
{
    public readonly float Forward(float x) => MathF.Sqrt(x);
    public readonly float Backward(float x, float y, float g) => g * 0.5f / y;
    public readonly double Forward(double x) => Math.Sqrt(x);
    public readonly double Backward(double x, double y, double g) => g * 0.5 / y;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => Vector256.Sqrt(x);
}

/// <summary>|x|; the subgradient at 0 is 0, as in PyTorch.</summary>
public struct AbsOp : IUnaryOp
{
    public readonly float Forward(float x) => MathF.Abs(x);
    public readonly float Backward(float x, float y, float g) => x > 0f ? g : x < 0f ? -g : 0f;
    public readonly double Forward(double x) => Math.Abs(x);
    public readonly double Backward(double x, double y, double g) => x > 0.0 ? g : x < 0.0 ? -g : 0.0;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => Vector256.Abs(x);
}

public struct ReluOp : IUnaryOp
{
    public readonly float Forward(float x) => x > 0f ? x : 0f;
    public readonly float Backward(float x, float y, float g) => x > 0f ? g : 0f;
    public readonly double Forward(double x) => x > 0.0 ? x : 0.0;
    public readonly double Backward(double x, double y, double g) => x > 0.0 ? g : 0.0;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    public readonly bool HasVectorBackward => true;

    // x > 0 is false for NaN, as in the scalar form.
    public readonly Vector256<float> Backward(Vector256<float> x, Vector256<float> y, Vector256<float> g) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), g, Vector256<float>.Zero);
}

/// <summary>x &gt; 0 ? x : slope·x; the slope held in double (see AddScalarOp).</summary>
public struct LeakyReluOp(double slope) : IUnaryOp
{
    public double Slope = slope;
    public float Single = (float)slope;
    public readonly float Forward(float x) => x > 0f ? x : Single * x;
    public readonly float Backward(float x, float y, float g) => x > 0f ? g : Single * g;
    public readonly double Forward(double x) => x > 0.0 ? x : Slope * x;
    public readonly double Backward(double x, double y, double g) => x > 0.0 ? g : Slope * g;
    public readonly bool HasVector => false;
    public readonly Vector256<float> Forward(Vector256<float> x) => x;
}

/// <summary>1/(1+e^-x), evaluated so that neither branch overflows.</summary>
public struct SigmoidOp : IUnaryOp
{
    public readonly float Forward(float x)
    {
        if (x >= 0f) return 1f / (1f + MathF.Exp(-x));
        float e = MathF.Exp(x);
        return e / (1f + e);
    }

    public readonly double Forward(double x)
    {
        if (x >= 0.0) return 1.0 / (1.0 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    public readonly float Backward(float x, float y, float g) => g * y * (1f - y);
    public readonly double Backward(double x, double y, double g) => g * y * (1.0 - y);
    public readonly bool HasVector => false;
    public readonly Vector256<float> Forward(Vector256<float> x) => x;
}

public struct TanhOp : IUnaryOp
{
    public readonly float Forward(float x) => MathF.Tanh(x);
    public readonly float Backward(float x, float y, float g) => g * (1f - y * y);
    public readonly double Forward(double x) => Math.Tanh(x);
    public readonly double Backward(double x, double y, double g) => g * (1.0 - y * y);
    public readonly bool HasVector => false;
    public readonly Vector256<float> Forward(Vector256<float> x) => x;
}

/// <summary>Exact Gelu, x·Φ(x), as PyTorch's default (approximate='none').</summary>
public struct GeluOp : IUnaryOp
{
    public readonly float Forward(float x) => 0.5f * x * (1f + Erf.Evaluate(x * 0.70710678f));

    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    public readonly float Backward(float x, float y, float g) =>
        g * (0.5f * (1f + Erf.Evaluate(x * 0.70710678f)) + x * 0.39894228f * MathF.Exp(-0.5f * x * x));

    // Φ(x) = erfc(−x/√2)/2: no cancellation in the left tail.
    public readonly double Forward(double x) => 0.5 * x * Erf.Complement(-x * 0.70710678118654752);

    public readonly double Backward(double x, double y, double g) =>
        g * (0.5 * Erf.Complement(-x * 0.70710678118654752) + x * 0.39894228040143268 * Math.Exp(-0.5 * x * x));

    public readonly bool HasVector => false;
    public readonly Vector256<float> Forward(Vector256<float> x) => x;
}

/// <summary>
/// Tanh-approximated Gelu, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as PyTorch's
/// approximate='tanh'; evaluated as x·σ(2u), which neither overflows nor loses the sign.
/// </summary>
public struct GeluTanhOp : IUnaryOp
{
    private const float Root2OverPi = 0.7978845608f;
    private const float Cubic = 0.044715f;

    public readonly float Forward(float x)
    {
        float u = Root2OverPi * (x + Cubic * x * x * x);
        return x / (1f + MathF.Exp(-2f * u));
    }

    // y = x·s, s = σ(2u) ⇒ dy/dx = s + x·2s(1 − s)·u', u' = √(2/π)(1 + 3·0.044715·x²)
    public readonly float Backward(float x, float y, float g)
    {
        float u = Root2OverPi * (x + Cubic * x * x * x);
        float s = 1f / (1f + MathF.Exp(-2f * u));
        float du = Root2OverPi * (1f + 3f * Cubic * x * x);
        return g * (s + x * 2f * s * (1f - s) * du);
    }

    public readonly double Forward(double x)
    {
        double u = 0.79788456080286536 * (x + 0.044715 * x * x * x);
        return x / (1.0 + Math.Exp(-2.0 * u));
    }

    public readonly double Backward(double x, double y, double g)
    {
        double u = 0.79788456080286536 * (x + 0.044715 * x * x * x);
        double s = 1.0 / (1.0 + Math.Exp(-2.0 * u));
        double du = 0.79788456080286536 * (1.0 + 3.0 * 0.044715 * x * x);
        return g * (s + x * 2.0 * s * (1.0 - s) * du);
    }

    public readonly bool HasVector => true;

    public readonly Vector256<float> Forward(Vector256<float> x)
    {
        var u = Vector256.Create(Root2OverPi) * (x + Vector256.Create(Cubic) * x * x * x);
        return x / (Vector256<float>.One + Vector256.Exp(Vector256.Create(-2f) * u));
    }
}

/// <summary>x + c. The constant is held in double so Float64 tensors add it unrounded; float32 rounds it once.</summary>
public struct AddScalarOp(double value) : IUnaryOp
{
    public double Value = value;
    public float Single = (float)value;   // the float32 bodies' constant, rounded once here (not per element on the GPU)
    public readonly float Forward(float x) => x + Single;
    public readonly float Backward(float x, float y, float g) => g;
    public readonly double Forward(double x) => x + Value;
    public readonly double Backward(double x, double y, double g) => g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => x + Vector256.Create(Single);
}

/// <summary>x·c, the constant held in double (see AddScalarOp).</summary>
public struct MulScalarOp(double value) : IUnaryOp
{
    public double Value = value;
    public float Single = (float)value;   // the float32 bodies' constant, rounded once here (not per element on the GPU)
    public readonly float Forward(float x) => x * Single;
    public readonly float Backward(float x, float y, float g) => g * Single;
    public readonly double Forward(double x) => x * Value;
    public readonly double Backward(double x, double y, double g) => g * Value;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => x * Vector256.Create(Single);
}

/// <summary>x / c, a true division as torch's CPU kernel (not x·(1/c), which differs in the last bit); c held in double.</summary>
public struct DivScalarOp(double value) : IUnaryOp
{
    public double Value = value;
    public float Single = (float)value;
    public readonly float Forward(float x) => x / Single;
    public readonly float Backward(float x, float y, float g) => g / Single;
    public readonly double Forward(double x) => x / Value;
    public readonly double Backward(double x, double y, double g) => g / Value;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => x / Vector256.Create(Single);
}

/// <summary>x^p for a constant exponent p, held in double (see AddScalarOp).</summary>
public struct PowScalarOp(double exponent) : IUnaryOp
{
    public double Exponent = exponent;
    public float Single = (float)exponent;
    public readonly float Forward(float x) => Single == 2f ? x * x : MathF.Pow(x, Single);
    public readonly float Backward(float x, float y, float g) =>
        Single == 2f ? 2f * x * g : Single == 0f ? 0f : g * Single * MathF.Pow(x, Single - 1f);
    public readonly double Forward(double x) => Exponent == 2.0 ? x * x : Math.Pow(x, Exponent);
    public readonly double Backward(double x, double y, double g) =>
        Exponent == 2.0 ? 2.0 * x * g : Exponent == 0.0 ? 0.0 : g * Exponent * Math.Pow(x, Exponent - 1.0);
    public readonly bool HasVector => false;
    public readonly Vector256<float> Forward(Vector256<float> x) => x;
}

/// <summary>min(max(x, Min), Max); gradient passes only inside the interval (±∞ leaves a side open). Bounds held in double (see AddScalarOp).</summary>
public struct ClampOp(double min, double max) : IUnaryOp
{
    public double Min = min;
    public double Max = max;
    public float MinSingle = (float)min;
    public float MaxSingle = (float)max;
    public readonly float Forward(float x) => x < MinSingle ? MinSingle : x > MaxSingle ? MaxSingle : x;
    public readonly float Backward(float x, float y, float g) => x >= MinSingle && x <= MaxSingle ? g : 0f;
    public readonly double Forward(double x) => x < Min ? Min : x > Max ? Max : x;
    public readonly double Backward(double x, double y, double g) => x >= Min && x <= Max ? g : 0.0;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) =>
        Vector256.Min(Vector256.Max(x, Vector256.Create(MinSingle)), Vector256.Create(MaxSingle));
}

/// <summary>Rounds toward −∞; piecewise constant, so the gradient is 0.</summary>
public struct FloorOp : IUnaryOp
{
    public readonly float Forward(float x) => MathF.Floor(x);
    public readonly float Backward(float x, float y, float g) => 0f;
    public readonly double Forward(double x) => Math.Floor(x);
    public readonly double Backward(double x, double y, double g) => 0.0;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => Vector256.Floor(x);
}
