using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>
/// Cross entropy of logits [N, C] (or [N, C, d...]) against class indices [N] (or [N, d...]) stored
/// as floats, or class probabilities of the logits' shape (torch.nn.CrossEntropyLoss), on the fused
/// kernel of <see cref="Tensor.CrossEntropy"/>. With label smoothing ε the target is
/// (1−ε)·target + ε/C; targets equal to <see cref="IgnoreIndex"/> contribute nothing; class
/// weights [C] scale each target's term, and the mean divides by Σ w[target] over kept targets.
/// </summary>
public sealed class CrossEntropyLoss : Loss
{
    public CrossEntropyLoss(Reduction reduction = Reduction.Mean, float labelSmoothing = 0f, int ignoreIndex = -100, Tensor? weight = null)
        : base(reduction)
    {
        if (labelSmoothing < 0f || labelSmoothing > 1f)
            throw new ArgumentException($"cross_entropy: label smoothing must be in [0, 1], got {labelSmoothing}");
        LabelSmoothing = labelSmoothing;
        IgnoreIndex = ignoreIndex;
        Weight = weight;
    }

    public float LabelSmoothing { get; }

    public int IgnoreIndex { get; }

    /// <summary>Class weights [C], or null for 1 each; the caller owns the tensor.</summary>
    public Tensor? Weight { get; }

    public override Tensor Forward(Tensor prediction, Tensor target) =>
        prediction.CrossEntropy(target, Weight, IgnoreIndex, LabelSmoothing, Reduction);
}
