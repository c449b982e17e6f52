using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>Mean absolute error (torch.nn.L1Loss): |prediction − target|, reduced. Shapes must match.</summary>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor prediction, Tensor target)
    {
        CheckSameShape("l1_loss", prediction, target);
        using var diff = prediction.Sub(target);
        using var absolute = diff.Abs();
        return Reduce(absolute);
    }
}
