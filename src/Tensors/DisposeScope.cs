namespace DeepNet.Tensors;

/// <summary>
/// Frees every tensor created inside it (on this thread) when disposed, except those moved out
/// with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>. Scopes nest.
/// What backward needs belongs to the graph, not to a scope, so a scope may be opened anywhere.
/// <code>using (var scope = new DisposeScope()) { var loss = ...; loss.Backward(); opt.Step(); }</code>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    // Sets are pooled: a composite opens a scope per call (an RNN, one per time step).
    [ThreadStatic] private static Stack<HashSet<Tensor>>? _pool;
    private const int PoolLimit = 16;
    private static readonly HashSet<Tensor> Released = [];   // a disposed scope's set: empty, never added to

    // A set, so a tensor disposed early leaves it at once: a long-lived scope does not grow step after step.
    private HashSet<Tensor> _tensors;
    private bool _disposed;

    public DisposeScope()
    {
        _tensors = _pool is { Count: > 0 } pool ? pool.Pop() : new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Outer = _current;
        _current = this;
    }

    /// <summary>The innermost open scope of this thread, if any.</summary>
    public static DisposeScope? Current => _current;

    internal DisposeScope? Outer { get; }

    /// <summary>Tensors currently owned by this scope.</summary>
    public int Count => _tensors.Count;

    /// <summary>
    /// Evaluates <paramref name="body"/> in a fresh scope and returns its result owned by the
    /// enclosing scope (or the caller, when none is open); every other tensor made inside is freed.
    /// <code>var h = DisposeScope.Run(() => (1f - z) * n + z * hPrev);</code>
    /// </summary>
    public static Tensor Run(Func<Tensor> body)
    {
        var scope = new DisposeScope();
        try { return scope.Keep(body()); }
        finally { scope.Dispose(); }
    }

    /// <summary>As <see cref="Run(Func{Tensor})"/> for a composite with a result and an optional second one (attention weights).</summary>
    public static (Tensor, Tensor?) Run(Func<(Tensor, Tensor?)> body)
    {
        var scope = new DisposeScope();
        try
        {
            var (a, b) = body();
            return (scope.Keep(a), b is null ? null : scope.Keep(b));
        }
        finally { scope.Dispose(); }
    }

    /// <summary>As <see cref="Run(Func{Tensor})"/> for a composite with any number of results.</summary>
    public static Tensor[] Run(Func<Tensor[]> body)
    {
        var scope = new DisposeScope();
        try
        {
            var results = body();
            foreach (var t in results) scope.Keep(t);
            return results;
        }
        finally { scope.Dispose(); }
    }

    /// <summary>Hands a result made in this scope to the enclosing one; tensors from elsewhere keep their owner.</summary>
    private Tensor Keep(Tensor result)
    {
        if (result.Scope == this) result.MoveToScope(Outer);
        return result;
    }

    internal void Register(Tensor tensor)
    {
        if (!_disposed) _tensors.Add(tensor);
    }

    internal void Unregister(Tensor tensor)
    {
        if (!_disposed) _tensors.Remove(tensor);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;   // from here Unregister is a no-op, so the set can be walked as it is
        if (_current == this) _current = Outer;
        foreach (var t in _tensors) t.DisposeFromScope();
        _tensors.Clear();
        var pool = _pool ??= new Stack<HashSet<Tensor>>();
        if (pool.Count < PoolLimit) pool.Push(_tensors);
        _tensors = Released;
    }
}
