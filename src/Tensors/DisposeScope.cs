namespace DeepNet.Tensors;

/// <summary>
/// Frees every tensor created inside it (on this thread) when disposed, except those moved out
/// with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>. Scopes nest.
/// <code>using (var scope = new DisposeScope()) { var loss = ...; loss.Backward(); opt.Step(); }</code>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    private readonly List<Tensor> _tensors = [];
    private bool _disposed;

    public DisposeScope()
    {
        Outer = _current;
        _current = this;
    }

    /// <summary>The innermost open scope of this thread, if any.</summary>
    public static DisposeScope? Current => _current;

    internal DisposeScope? Outer { get; }

    /// <summary>Tensors currently owned by this scope.</summary>
    public int Count => _tensors.Count(t => t.Scope == this && !t.IsDisposed);

    internal void Register(Tensor tensor) => _tensors.Add(tensor);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = Outer;
        foreach (var t in _tensors)
            if (t.Scope == this) t.Dispose();
        _tensors.Clear();
    }
}
