using DeepNet.Autograd.Functions;
using DeepNet.Autograd;

namespace DeepNet.Tensors;

// Loss composites. Reductions follow PyTorch: "mean" (default), "sum" or "none".
public sealed partial class Tensor
{
    /// <summary>
    /// Cross entropy of logits [N, C] (or [N, C, ...]) against class indices [N] (or [N, ...])
    /// stored as floats: −log softmax(logits)[target], reduced.
    /// </summary>
    public Tensor CrossEntropy(Tensor target, string reduction = "mean")
    {
        if (Rank < 2 || !target.ShapeArray.AsSpan().SequenceEqual([ShapeArray[0], .. ShapeArray[2..]]))
            throw new ArgumentException($"cross_entropy: logits {Shape} need targets of shape [N, ...] without the class dim, got {target.Shape}");
        if (Rank != 2) return CrossEntropyComposite(target, reduction);
        // [N, C]: one fused kernel (row log-sum-exp, loss, softmax − onehot backward)
        using var perItem = SoftmaxCrossEntropyFunction.Apply(this, target);
        return Reduce("cross_entropy", perItem, reduction);
    }

    /// <summary>Mean squared error (this − target)², reduced; shapes must match.</summary>
    public Tensor MseLoss(Tensor target, string reduction = "mean")
    {
        if (Shape != target.Shape)
            throw new ArgumentException($"mse_loss: input {Shape} and target {target.Shape} must have the same shape");
        using var diff = Sub(target);
        using var squared = diff.Mul(diff);
        return Reduce("mse_loss", squared, reduction);
    }

    /// <summary>Applies a PyTorch-style reduction name.</summary>
    internal static Tensor Reduce(string op, Tensor perItem, string reduction) => reduction switch
    {
        "mean" => perItem.Mean(),
        "sum" => perItem.Sum(),
        "none" => perItem.AliasInGraph(),
        _ => throw new ArgumentException($"{op}: reduction must be 'mean', 'sum' or 'none', got '{reduction}'"),
    };
}
