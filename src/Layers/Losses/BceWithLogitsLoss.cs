using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>
/// Binary cross entropy on logits (torch.nn.BceWithLogitsLoss): −[y·log σ(x) + (1−y)·log(1−σ(x))],
/// computed stably as max(x, 0) − x·y + log(1 + e^−|x|), reduced. Targets in [0, 1], same shape as x.
/// </summary>
public sealed class BceWithLogitsLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor prediction, Tensor target)
    {
        CheckSameShape("binary_cross_entropy_with_logits", prediction, target);
        // e^−|x| ≤ 1 never overflows, and max(x, 0) carries the large-|x| part exactly.
        using var absolute = prediction.Abs();
        using var negated = absolute.Neg();
        using var tail = negated.Exp();
        using var onePlusTail = tail.Add(1f);
        using var softplusTail = onePlusTail.Log();
        using var positive = prediction.Relu();
        using var product = prediction.Mul(target);
        using var difference = positive.Sub(product);
        using var perElement = difference.Add(softplusTail);
        return Reduce(perElement);
    }
}
