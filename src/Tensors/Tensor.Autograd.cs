using DeepNet.Autograd;

namespace DeepNet.Tensors;

// Entry points into reverse-mode autograd.
public sealed partial class Tensor
{
    // Hooks are rare (data-parallel buckets), so they live beside the tensors that have them, not in a
    // field every tensor would carry; AccumulateLeaf looks only once some hook was ever registered.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, List<Action<Tensor>>> PostAccumulateGradHooks = new();
    private static volatile bool _anyPostAccumulateGradHook;

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
        var hooks = PostAccumulateGradHooks.GetOrAdd(this, static _ => []);
        lock (hooks) hooks.Add(hook);
        _anyPostAccumulateGradHook = true;
        return new HookRegistration(this, hook);
    }

    internal void RunPostAccumulateGradHooks()
    {
        if (!_anyPostAccumulateGradHook || !PostAccumulateGradHooks.TryGetValue(this, out var hooks)) return;
        Action<Tensor>[] snapshot;
        lock (hooks) snapshot = [.. hooks];   // a hook may remove itself
        foreach (var hook in snapshot) hook(this);
    }

    private sealed class HookRegistration(Tensor owner, Action<Tensor> hook) : IDisposable
    {
        public void Dispose()
        {
            if (!PostAccumulateGradHooks.TryGetValue(owner, out var hooks)) return;
            lock (hooks) hooks.Remove(hook);
        }
    }
}
