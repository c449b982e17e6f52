using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

/// <summary>y = x: the "no activation" case of the fused bias + activation kernel.</summary>
public struct IdentityOp : IUnaryOp
{
    public readonly float Forward(float x) => x;
    public readonly float Backward(float x, float y, float g) => g;
    public readonly double Forward(double x) => x;
    public readonly double Backward(double x, double y, double g) => g;
    public readonly bool HasVector => true;
    public readonly Vector256<float> Forward(Vector256<float> x) => x;
}
