using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

// Binary ops with a scalar coefficient, so in-place updates (axpy, running averages in
// optimizers) take one pass and no temporary. Scalar and SIMD bodies round identically
// (no fused multiply-add in either).

/// <summary>c = a + α·b (torch's add with alpha; BLAS axpy).</summary>
public struct ScaledAddOp(float alpha) : IBinaryOp
{
    public float Alpha = alpha;
    public readonly float Forward(float a, float b) => a + Alpha * b;
    public readonly float GradA(float a, float b, float g) => g;
    public readonly float GradB(float a, float b, float g) => Alpha * g;
    public readonly double Forward(double a, double b) => a + Alpha * b;
    public readonly double GradA(double a, double b, double g) => g;
    public readonly double GradB(double a, double b, double g) => Alpha * g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a + Vector256.Create(Alpha) * b;
}

/// <summary>c = a + α·b² (torch's addcmul(b, b, value=α), e.g. Adam's second moment).</summary>
public struct AddScaledSquareOp(float alpha) : IBinaryOp
{
    public float Alpha = alpha;
    public readonly float Forward(float a, float b) => a + Alpha * (b * b);
    public readonly float GradA(float a, float b, float g) => g;
    public readonly float GradB(float a, float b, float g) => 2f * Alpha * b * g;
    public readonly double Forward(double a, double b) => a + Alpha * (b * b);
    public readonly double GradA(double a, double b, double g) => g;
    public readonly double GradB(double a, double b, double g) => 2.0 * Alpha * b * g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a + Vector256.Create(Alpha) * (b * b);
}
