namespace DeepNet.Tensors;

/// <summary>
/// Frees every tensor created inside it (on this thread) when disposed, except those moved out
/// with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>. Scopes nest.
/// <code>using (var scope = new DisposeScope()) { var loss = ...; loss.Backward(); opt.Step(); }</code>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;
    [ThreadStatic] private static List<Tensor>? _spare;   // a disposed scope's list, reused by the next (one per training step)

    private readonly List<Tensor> _tensors;
    private bool _disposed;

    public DisposeScope()
    {
        _tensors = _spare ?? [];
        _spare = null;
        Outer = _current;
        _current = this;
    }

    /// <summary>The innermost open scope of this thread, if any.</summary>
    public static DisposeScope? Current => _current;

    internal DisposeScope? Outer { get; }

    /// <summary>Tensors currently owned by this scope.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (var t in _tensors)
                if (t.Scope == this && !t.IsDisposed) count++;
            return count;
        }
    }

    internal void Register(Tensor tensor) => _tensors.Add(tensor);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = Outer;
        foreach (var t in _tensors)
            if (t.Scope == this) t.Dispose();
        _tensors.Clear();
        if (_tensors.Capacity <= 1 << 16) _spare = _tensors;
    }
}
