namespace DeepNet.Tensors;

/// <summary>
/// Frees every tensor created inside it (on this thread) when disposed, except those moved out
/// with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>. Scopes nest.
/// <code>using (var scope = new DisposeScope()) { var loss = ...; loss.Backward(); opt.Step(); }</code>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    // A set, so a tensor disposed early leaves it at once: a long-lived scope does not grow step after step.
    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    public DisposeScope()
    {
        Outer = _current;
        _current = this;
    }

    /// <summary>The innermost open scope of this thread, if any.</summary>
    public static DisposeScope? Current => _current;

    internal DisposeScope? Outer { get; }

    /// <summary>The outermost open scope of this thread (a training step's), if any.</summary>
    internal static DisposeScope? Outermost
    {
        get
        {
            var scope = _current;
            while (scope?.Outer is not null) scope = scope.Outer;
            return scope;
        }
    }

    /// <summary>Tensors currently owned by this scope.</summary>
    public int Count => _tensors.Count;

    internal void Register(Tensor tensor) => _tensors.Add(tensor);

    internal void Unregister(Tensor tensor) => _tensors.Remove(tensor);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = Outer;
        var owned = _tensors.ToArray();
        _tensors.Clear();
        foreach (var t in owned) t.Dispose();
    }
}
