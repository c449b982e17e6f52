using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>
/// Negative log likelihood (torch.nn.NllLoss): −logProbs[n, target[n]] for log-probabilities [N, C]
/// (or [N, C, d...]) and class indices [N] (or [N, d...]) stored as floats. Targets equal to
/// <see cref="IgnoreIndex"/> contribute nothing, and the mean is over the other targets.
/// </summary>
public sealed class NllLoss(Reduction reduction = Reduction.Mean, int ignoreIndex = -100) : Loss(reduction)
{
    public int IgnoreIndex { get; } = ignoreIndex;

    public override Tensor Forward(Tensor prediction, Tensor target)
    {
        ClassTargets.Check("nll_loss", prediction, target);
        var (index, keep) = ClassTargets.Mask(target, IgnoreIndex);
        using (index)
        using (keep)
        using (var picked = IndexCheck.Run("nll_loss", "target", "class index", "classes", target, prediction.Shape[1],
            () => ClassTargets.Pick(prediction, index), IgnoreIndex))
        using (var negated = picked.Neg())
        using (var perItem = negated.Mul(keep))
            return ClassTargets.Reduce(Reduction, perItem, keep);
    }
}
