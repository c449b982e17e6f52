using DeepNet.Autograd;

namespace DeepNet.Tensors;

// Entry points into reverse-mode autograd.
public sealed partial class Tensor
{
    private List<Action<Tensor>>? _postAccumulateGradHooks;

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

    /// <summary>
    /// Calls <paramref name="hook"/> with this leaf each time backward has added a gradient into
    /// its <see cref="Grad"/> (torch's <c>register_post_accumulate_grad_hook</c>): data-parallel
    /// training starts reducing a bucket of gradients as soon as they are final. Hooks run on the
    /// thread running backward, in registration order. Dispose the result to remove the hook.
    /// </summary>
    public IDisposable RegisterPostAccumulateGradHook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        ThrowIfDisposed();
        if (!IsLeaf) throw new InvalidOperationException($"register_post_accumulate_grad_hook: only leaf tensors accumulate gradients; this one has grad_fn {GradFn!.Name}");
        (_postAccumulateGradHooks ??= []).Add(hook);
        return new HookRegistration(this, hook);
    }

    internal void RunPostAccumulateGradHooks()
    {
        if (_postAccumulateGradHooks is not { Count: > 0 } hooks) return;
        foreach (var hook in hooks.ToArray()) hook(this);
    }

    private sealed class HookRegistration(Tensor owner, Action<Tensor> hook) : IDisposable
    {
        public void Dispose() => owner._postAccumulateGradHooks?.Remove(hook);
    }
}
