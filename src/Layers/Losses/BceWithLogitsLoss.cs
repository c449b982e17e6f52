using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>
/// Binary cross entropy on logits (torch.nn.BCEWithLogitsLoss), the module form of
/// <see cref="Tensor.BinaryCrossEntropyWithLogits"/>: weight·[posWeight·y·softplus(−x) + (1−y)·softplus(x)],
/// stable for any logit, reduced. Targets in [0, 1], the shape of x; weight broadcasts to x,
/// posWeight along the last dim ([C]).
/// </summary>
public sealed class BceWithLogitsLoss(Reduction reduction = Reduction.Mean, Tensor? weight = null, Tensor? posWeight = null)
    : Loss(reduction)
{
    /// <summary>Per-element rescaling, broadcast to the input, or null.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>Weight of the positive term per class (torch's pos_weight), or null.</summary>
    public Tensor? PosWeight { get; } = posWeight;

    public override Tensor Forward(Tensor prediction, Tensor target) =>
        prediction.BinaryCrossEntropyWithLogits(target, Weight, PosWeight, Reduction);
}
