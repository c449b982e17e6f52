using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Layers.Losses;

/// <summary>Shape checks, ignore-index masking and reduction of the class-index loss NllLoss.</summary>
internal static class ClassTargets
{
    /// <summary>The shape rule shared with cross_entropy (one check, in Kernels/Geometry, reached through Tensor).</summary>
    public static void Check(string op, Tensor prediction, Tensor target) => Tensor.CheckClassIndices(op, prediction, target);

    /// <summary>
    /// The gather index (ignored targets replaced by class 0, so the gather stays in range) and the
    /// keep mask (1 for counted targets, 0 for ignored ones). The caller disposes both.
    /// </summary>
    public static (Tensor Index, Tensor Keep) Mask(Tensor target, int ignoreIndex)
    {
        var keep = target.Ne(ignoreIndex);
        using var noGrad = GradMode.NoGrad();
        var index = target.Mul(keep);
        return (index, keep);
    }

    /// <summary>values[n, target[n], d...] → [N, d...] (gather along the class dim 1).</summary>
    public static Tensor Pick(Tensor values, Tensor index)
    {
        using var column = index.Unsqueeze(1);
        using var picked = values.Gather(1, column);
        return picked.Squeeze(1);
    }

    /// <summary>Mean divides by the number of kept targets, as PyTorch does with ignore_index.</summary>
    public static Tensor Reduce(Reduction reduction, Tensor perItem, Tensor keep)
    {
        if (reduction == Reduction.Sum) return perItem.Sum();
        if (reduction == Reduction.None) return perItem.Reshape(perItem.Shape.ToArray());
        using var total = perItem.Sum();
        using var count = keep.Sum();
        return total.Div(count);
    }
}
