using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>
/// Negative log likelihood (torch.nn.NLLLoss), the module form of <see cref="Tensor.NllLoss"/>:
/// −weight[t]·logProbs[n, t] for log-probabilities [N, C] (or [N, C, d...]) and class indices [N]
/// (or [N, d...]) stored as floats. Targets equal to <see cref="IgnoreIndex"/> contribute nothing;
/// the mean divides by the summed weights of the other targets.
/// </summary>
public sealed class NllLoss(Reduction reduction = Reduction.Mean, int ignoreIndex = -100, Tensor? weight = null) : Loss(reduction)
{
    public int IgnoreIndex { get; } = ignoreIndex;

    /// <summary>Per-class weights [C], or null for 1.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>torch.nn.functional.nll_loss, which checks every target and names a bad one.</summary>
    public override Tensor Forward(Tensor prediction, Tensor target) => prediction.NllLoss(target, Weight, IgnoreIndex, Reduction);
}
