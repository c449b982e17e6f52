using DeepNet.Tensors;

namespace DeepNet.Layers.Losses;

/// <summary>
/// Base of the losses: a function of a prediction and a target, reduced by <see cref="Reduction"/>.
/// Losses are composites of Tensor ops, so they run on any device and need no gradient code.
/// </summary>
public abstract class Loss(Reduction reduction)
{
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="prediction"/> against <paramref name="target"/>: a scalar unless Reduction is None.</summary>
    public abstract Tensor Forward(Tensor prediction, Tensor target);

    /// <summary>Same as <see cref="Forward"/>.</summary>
    public Tensor Call(Tensor prediction, Tensor target) => Forward(prediction, target);

    /// <summary>Applies <see cref="Reduction"/> to per-element losses.</summary>
    protected Tensor Reduce(Tensor perElement) => Tensor.Reduce(GetType().Name, perElement, Reduction);

    /// <summary>Throws unless prediction and target have one shape (PyTorch warns and broadcasts; that hides bugs).</summary>
    protected static void CheckSameShape(string op, Tensor prediction, Tensor target)
    {
        if (prediction.Shape != target.Shape)
            throw new ArgumentException($"{op}: prediction {prediction.Shape} and target {target.Shape} must have the same shape");
    }
}
