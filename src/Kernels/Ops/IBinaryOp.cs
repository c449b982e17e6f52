using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

/// <summary>
/// An elementwise c = f(a, b) with its two partial derivatives, shared by the CPU loop and
/// the generic ILGPU kernel. Comparison ops return 1 or 0 and have zero gradients.
/// </summary>
public interface IBinaryOp
{
    float Forward(float a, float b);

    /// <summary>dL/da given a, b and dL/dc.</summary>
    float GradA(float a, float b, float gradC);

    /// <summary>dL/db given a, b and dL/dc.</summary>
    float GradB(float a, float b, float gradC);

    /// <summary>The same function in double (the Float64 kernels).</summary>
    double Forward(double a, double b);

    /// <summary>dL/da in double.</summary>
    double GradA(double a, double b, double gradC);

    /// <summary>dL/db in double.</summary>
    double GradB(double a, double b, double gradC);

    bool HasVector { get; }

    Vector256<float> Forward(Vector256<float> a, Vector256<float> b);
}
