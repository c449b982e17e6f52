using DeepNet.Autograd;

namespace DeepNet.Tensors;

// Entry points into reverse-mode autograd.
public sealed partial class Tensor
{
    /// <summary>
    /// Computes gradients of this tensor with respect to every leaf that requires grad and adds
    /// them to the leaves' <see cref="Grad"/>. A non-scalar needs an explicit <paramref name="gradient"/>.
    /// The graph's saved tensors are freed unless <paramref name="retainGraph"/>.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Backprop.Run(this, gradient, retainGraph);

    /// <summary>Disposes and clears the accumulated gradient.</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }
}
