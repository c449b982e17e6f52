using DeepNet.Tensors;

namespace DeepNet.Layers;

// Forward hooks and pre-hooks, as torch.nn.Module.register_forward_hook / register_forward_pre_hook.
// They run in Call (torch's __call__), which containers and composite layers use for their children.
public abstract partial class Module
{
    private List<Func<Module, Tensor, Tensor?>>? _preHooks;
    private List<Func<Module, Tensor, Tensor, Tensor?>>? _forwardHooks;

    /// <summary>True when a hook was ever registered: then a parent must go through <see cref="Call"/>, not fuse past it.</summary>
    internal bool HasHooks => _preHooks is not null || _forwardHooks is not null;

    /// <summary>
    /// Runs the module with its hooks: each pre-hook sees the input (a non-null result replaces
    /// it), then <see cref="Forward"/>, then each forward hook sees (module, input, output) (a
    /// non-null result replaces the output; the replaced output is disposed). <c>model.Call(x)</c>.
    /// </summary>
    public Tensor Call(Tensor input)
    {
        if (_preHooks is null && _forwardHooks is null) return Forward(input);
        var x = input;
        foreach (var hook in _preHooks?.ToArray() ?? [])
            if (hook(this, x) is { } replaced) x = replaced;
        var output = Forward(x);
        foreach (var hook in _forwardHooks?.ToArray() ?? [])
            if (hook(this, x, output) is { } replaced && !ReferenceEquals(replaced, output))
            {
                output.Dispose();
                output = replaced;
            }
        return output;
    }

    /// <summary>
    /// Adds a hook called after every <see cref="Call"/> with (module, input, output); return null
    /// to keep the output, or a tensor to replace it. Dispose the handle (or call Remove) to remove it.
    /// </summary>
    public HookHandle RegisterForwardHook(Func<Module, Tensor, Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        (_forwardHooks ??= []).Add(hook);
        return new HookHandle(() => _forwardHooks.Remove(hook));
    }

    /// <summary>Adds a hook called before every <see cref="Call"/> with (module, input); return null or a replacement input.</summary>
    public HookHandle RegisterForwardPreHook(Func<Module, Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        (_preHooks ??= []).Add(hook);
        return new HookHandle(() => _preHooks.Remove(hook));
    }
}
