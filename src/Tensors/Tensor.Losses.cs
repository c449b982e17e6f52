using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// Losses on tensors, with PyTorch's reductions (Reduction.Mean by default).
public sealed partial class Tensor
{
    /// <summary>
    /// torch.nn.functional.cross_entropy on one fused softmax + cross entropy kernel. Logits [N, C]
    /// or [N, C, d1, ...] (or [C]); target: class indices [N, d1, ...] stored as floats (exact
    /// integers in [0, C), or <paramref name="ignoreIndex"/>, which contributes nothing), or class
    /// probabilities of the logits' shape. weight: [C] class weights (constants: no gradient).
    /// With label smoothing ε the target becomes (1 − ε)·target + ε/C. Mean divides by Σ w[target]
    /// over non-ignored targets (by N·d1·… for probabilities); None gives [N, d1, ...].
    /// </summary>
    public Tensor CrossEntropy(Tensor target, Tensor? weight = null, int ignoreIndex = -100, float labelSmoothing = 0f,
        Reduction reduction = Reduction.Mean) =>
        SoftmaxCrossEntropyFunction.Apply(this, target, weight, ignoreIndex, labelSmoothing, reduction);

    /// <summary>Mean squared error (this − target)², reduced; shapes must match.</summary>
    public Tensor MseLoss(Tensor target, Reduction reduction = Reduction.Mean)
    {
        if (Shape != target.Shape)
            throw new ArgumentException($"mse_loss: input {Shape} and target {target.Shape} must have the same shape");
        using var diff = Sub(target);
        using var squared = diff.Mul(diff);
        return Reduce("mse_loss", squared, reduction);
    }

    /// <summary>Throws unless target holds class indices for class scores [N, C, d...] (the shape rule of cross_entropy and nll_loss).</summary>
    internal static void CheckClassIndices(string op, Tensor scores, Tensor target) =>
        CrossEntropyGeometry.CheckIndexTarget(op, scores.ShapeArray, target.ShapeArray);

    /// <summary>Applies a reduction to per-element values.</summary>
    internal static Tensor Reduce(string op, Tensor perItem, Reduction reduction) => reduction switch
    {
        Reduction.Mean => perItem.Mean(),
        Reduction.Sum => perItem.Sum(),
        Reduction.None => perItem.AliasInGraph(),
        _ => throw new ArgumentException($"{op}: unknown reduction {reduction}"),
    };
}
