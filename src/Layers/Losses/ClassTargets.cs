using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Layers.Losses;

/// <summary>Shape checks, ignore-index masking and reduction shared by the class-index losses.</summary>
internal static class ClassTargets
{
    public static void Check(string op, Tensor prediction, Tensor target)
    {
        bool ok = prediction.Rank >= 2 && target.Rank == prediction.Rank - 1 && target.Shape[0] == prediction.Shape[0];
        for (int d = 1; ok && d < target.Rank; d++) ok = target.Shape[d] == prediction.Shape[d + 1];
        if (!ok)
            throw new ArgumentException($"{op}: prediction {prediction.Shape} needs targets shaped like it without the class dim 1, got {target.Shape}");
    }

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
