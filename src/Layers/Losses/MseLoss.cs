using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>Mean squared error (torch.nn.MseLoss): (prediction − target)², reduced. Shapes must match.</summary>
public sealed class MseLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor prediction, Tensor target)
    {
        CheckSameShape("mse_loss", prediction, target);
        using var diff = prediction.Sub(target);
        using var squared = diff.Mul(diff);
        return Reduce(squared);
    }
}
