using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

// Binary elementwise ops. Each is one struct: forward, both partials, optional SIMD.

public struct AddOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => a + b;
    public readonly float GradA(float a, float b, float g) => g;
    public readonly float GradB(float a, float b, float g) => g;
    public readonly double Forward(double a, double b) => a + b;
    public readonly double GradA(double a, double b, double g) => g;
    public readonly double GradB(double a, double b, double g) => g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a + b;
}

public struct SubOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => a - b;
    public readonly float GradA(float a, float b, float g) => g;
    public readonly float GradB(float a, float b, float g) => -g;
    public readonly double Forward(double a, double b) => a - b;
    public readonly double GradA(double a, double b, double g) => g;
    public readonly double GradB(double a, double b, double g) => -g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a - b;
}

public struct MulOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => a * b;
    public readonly float GradA(float a, float b, float g) => g * b;
    public readonly float GradB(float a, float b, float g) => g * a;
    public readonly double Forward(double a, double b) => a * b;
    public readonly double GradA(double a, double b, double g) => g * b;
    public readonly double GradB(double a, double b, double g) => g * a;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a * b;
}

public struct DivOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => a / b;
    public readonly float GradA(float a, float b, float g) => g / b;
    public readonly float GradB(float a, float b, float g) => -g * a / (b * b);
    public readonly double Forward(double a, double b) => a / b;
    public readonly double GradA(double a, double b, double g) => g / b;
    public readonly double GradB(double a, double b, double g) => -g * a / (b * b);
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a / b;
}

/// <summary>c = a^b; the b-partial uses ln a: NaN for a &lt; 0, as torch.</summary>
public struct PowOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => MathF.Pow(a, b);
    public readonly float GradA(float a, float b, float g) => b == 0f ? 0f : g * b * MathF.Pow(a, b - 1f);
    // torch: 0 where a = 0 and b ≥ 0, else a^b·ln a (NaN for a < 0, −∞·g for 0^negative)
    public readonly float GradB(float a, float b, float g) => a == 0f && b >= 0f ? 0f : g * MathF.Pow(a, b) * MathF.Log(a);
    public readonly double Forward(double a, double b) => Math.Pow(a, b);
    public readonly double GradA(double a, double b, double g) => b == 0.0 ? 0.0 : g * b * Math.Pow(a, b - 1.0);
    public readonly double GradB(double a, double b, double g) => a == 0.0 && b >= 0.0 ? 0.0 : g * Math.Pow(a, b) * Math.Log(a);
    public readonly bool HasVector => false;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a;
}

// Gradients follow torch's masks: where(a == b, g/2, g) zeroed where the operand loses, so a NaN pair
// (no comparison holds) passes the whole gradient to both, as torch does.

/// <summary>Elementwise maximum, NaN if either is; the gradient goes to the larger input, half to each on ties (torch.maximum).</summary>
public struct MaximumOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => float.IsNaN(a) || a >= b ? a : b;
    public readonly float GradA(float a, float b, float g) => a == b ? 0.5f * g : a < b ? 0f : g;
    public readonly float GradB(float a, float b, float g) => a == b ? 0.5f * g : a > b ? 0f : g;
    public readonly double Forward(double a, double b) => double.IsNaN(a) || a >= b ? a : b;
    public readonly double GradA(double a, double b, double g) => a == b ? 0.5 * g : a < b ? 0.0 : g;
    public readonly double GradB(double a, double b, double g) => a == b ? 0.5 * g : a > b ? 0.0 : g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);   // IEEE maximum: NaN propagates
}

/// <summary>Elementwise minimum, NaN if either is; the gradient goes to the smaller input, half to each on ties (torch.minimum).</summary>
public struct MinimumOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => float.IsNaN(a) || a <= b ? a : b;
    public readonly float GradA(float a, float b, float g) => a == b ? 0.5f * g : a > b ? 0f : g;
    public readonly float GradB(float a, float b, float g) => a == b ? 0.5f * g : a < b ? 0f : g;
    public readonly double Forward(double a, double b) => double.IsNaN(a) || a <= b ? a : b;
    public readonly double GradA(double a, double b, double g) => a == b ? 0.5 * g : a > b ? 0.0 : g;
    public readonly double GradB(double a, double b, double g) => a == b ? 0.5 * g : a < b ? 0.0 : g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);   // IEEE minimum: NaN propagates
}
