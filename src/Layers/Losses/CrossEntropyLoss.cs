using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>
/// Cross entropy of logits [N, C] (or [N, C, d...]) against class indices [N] (or [N, d...]) stored
/// as floats (torch.nn.CrossEntropyLoss). With label smoothing ε the target is (1−ε)·onehot + ε/C:
/// loss = (1−ε)·(−log p[target]) + ε·mean_c(−log p[c]). Targets equal to <see cref="IgnoreIndex"/>
/// contribute nothing, and the mean is over the other targets.
/// </summary>
public sealed class CrossEntropyLoss : Loss
{
    public CrossEntropyLoss(Reduction reduction = Reduction.Mean, float labelSmoothing = 0f, int ignoreIndex = -100)
        : base(reduction)
    {
        if (labelSmoothing < 0f || labelSmoothing > 1f)
            throw new ArgumentException($"cross_entropy: label smoothing must be in [0, 1], got {labelSmoothing}");
        LabelSmoothing = labelSmoothing;
        IgnoreIndex = ignoreIndex;
    }

    public float LabelSmoothing { get; }

    public int IgnoreIndex { get; }

    public override Tensor Forward(Tensor prediction, Tensor target)
    {
        ClassTargets.Check("cross_entropy", prediction, target);
        var (index, keep) = ClassTargets.Mask(target, IgnoreIndex);
        using (index)
        using (keep)
        using (var logProbs = prediction.LogSoftmax(1))
        using (var picked = ClassTargets.Pick(logProbs, index))
        {
            var perItem = picked.Neg();
            if (LabelSmoothing > 0f)
            {
                using var meanLogProb = logProbs.Mean(1);
                using var smooth = meanLogProb.Mul(-LabelSmoothing);
                using var sharp = perItem;
                using var scaled = sharp.Mul(1f - LabelSmoothing);
                perItem = scaled.Add(smooth);
            }
            using (perItem)
            using (var kept = perItem.Mul(keep))
                return ClassTargets.Reduce(Reduction, kept, keep);
        }
    }
}
