using DeepNet.Kernels;
using DeepNet.Kernels.Ops;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// c = a ⋈ b elementwise, a Bool tensor (Tensor.Eq/Ne/Lt/Le/Gt/Ge), computed exactly on the
/// operands' promoted dtype. No gradient; recorded only under an export's capture (masks built
/// in a forward from the input must stay part of the exported graph).
/// </summary>
internal sealed class CompareFunction : Function
{
    public Comparison Kind { get; private init; }

    public static Tensor Apply(Comparison kind, Tensor a, Tensor b)
    {
        var c = DTypeRouting.Compare(kind.ToString().ToLowerInvariant(), TypedKind(kind), a, b);
        return IsCapturing ? new CompareFunction { Kind = kind }.RecordForCapture(c, a, b) : c;
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) =>
        throw new InvalidOperationException("compare: a comparison has no gradient");

    private static TypedZipKind TypedKind(Comparison kind) => kind switch
    {
        Comparison.Equal => TypedZipKind.Equal,
        Comparison.NotEqual => TypedZipKind.NotEqual,
        Comparison.Less => TypedZipKind.Less,
        Comparison.LessOrEqual => TypedZipKind.LessOrEqual,
        Comparison.Greater => TypedZipKind.Greater,
        _ => TypedZipKind.GreaterOrEqual,
    };
}
