using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Ops;

/// <summary>Which comparison a <see cref="CompareOp"/> makes.</summary>
public enum Comparison
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>c = (a ∘ b) ? 1 : 0. No gradient flows through a comparison.</summary>
public struct CompareOp(Comparison comparison) : IBinaryOp
{
    public Comparison Kind = comparison;

    public readonly float Forward(float a, float b)
    {
        bool r = Kind switch
        {
            Comparison.Equal => a == b,
            Comparison.NotEqual => a != b,
            Comparison.Less => a < b,
            Comparison.LessOrEqual => a <= b,
            Comparison.Greater => a > b,
            _ => a >= b,
        };
        return r ? 1f : 0f;
    }

    public readonly float GradA(float a, float b, float g) => 0f;
    public readonly float GradB(float a, float b, float g) => 0f;
    public readonly bool HasVector => false;
    public readonly Vector256<float> Forward(Vector256<float> a, Vector256<float> b) => a;
}
