using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

/// <summary>
/// An elementwise y = f(x), written once and run by the CPU loop and the generic ILGPU kernel.
/// Fields of the struct carry parameters (a slope, an exponent). Keep bodies to MathF/Math and
/// arithmetic: ILGPU compiles them for the GPU.
/// </summary>
public interface IUnaryOp
{
    float Forward(float x);

    /// <summary>dL/dx given x, y = f(x) and dL/dy.</summary>
    float Backward(float x, float y, float gradY);

    /// <summary>The same function in double (the Float64 kernels): Math instead of MathF, no float rounding.</summary>
    double Forward(double x);

    /// <summary>dL/dx in double.</summary>
    double Backward(double x, double y, double gradY);

    /// <summary>True when <see cref="Forward(Vector256{float})"/> is a real SIMD body.</summary>
    bool HasVector { get; }

    /// <summary>SIMD form used by the CPU backend on contiguous data (never called on the GPU).</summary>
    Vector256<float> Forward(Vector256<float> x);

    /// <summary>True when the vector <see cref="Backward(Vector256{float}, Vector256{float}, Vector256{float})"/> is a real SIMD body.</summary>
    bool HasVectorBackward => false;

    /// <summary>SIMD form of the scalar Backward for the CPU backend on dense data (never called on the GPU).</summary>
    Vector256<float> Backward(Vector256<float> x, Vector256<float> y, Vector256<float> gradY) => gradY;
}
