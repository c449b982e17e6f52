using DeepNet.Autograd;
using DeepNet.Autograd.Functions;

namespace DeepNet.Tensors;

// Matrix products.
public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product with torch.matmul semantics: 1-d·1-d is a dot product, 1-d operands are
    /// promoted to a row (left) or column (right) and the added dim removed, and leading batch
    /// dims broadcast. [..., M, K]·[..., K, N] → [..., M, N].
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        ThrowIfDisposed();
        other.ThrowIfDisposed();
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"matmul: both arguments need at least 1 dim, got {Shape} and {other.Shape}");
        if (Autocast.Lowers(this) || Autocast.Lowers(other)) return LoweredMatMul(other);
        if (Rank >= 2 && other.Rank >= 2) return MatMulFunction.Apply(this, other);
        return VectorMatMul(other);
    }

    // In its own method: a lambda capturing the caller's parameters would allocate its closure on every call, taken or not.
    private Tensor LoweredMatMul(Tensor other) => DisposeScope.Run(() => Autocast.Lower(this).MatMul(Autocast.Lower(other)));

    /// <summary>matmul with a 1-d operand (torch's promotion to a matrix and back).</summary>
    private Tensor VectorMatMul(Tensor other)
    {
        return DisposeScope.Run(() =>
        {
            var left = Rank == 1 ? Unsqueeze(0) : this;
            var right = other.Rank == 1 ? other.Unsqueeze(1) : other;
            if (left.ShapeArray[^1] != right.ShapeArray[^2])
                throw new ArgumentException($"matmul: shapes {Shape} and {other.Shape} are not aligned");
            var product = MatMulFunction.Apply(left, right);
            return Rank == 1 && other.Rank == 1 ? product.Reshape([]) : product.Squeeze(Rank == 1 ? -2 : -1);
        });
    }
}
