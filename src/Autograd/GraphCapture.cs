using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// A recording of one forward pass for export (ONNX): while a capture is active on this thread every
/// op records its node, grad mode or not (comparisons and masks too), each node keeps an alias of its
/// output and of every input that is not itself a node's output (constants, buffers), and the nodes
/// are listed in the order they ran. Nothing is ever run backward through a captured graph.
/// </summary>
internal sealed class GraphCapture : IDisposable
{
    [ThreadStatic] private static GraphCapture? _current;

    private readonly GraphCapture? _outer;
    private readonly List<Function> _recorded = [];
    private readonly Dictionary<Function, string> _scopes = [];
    private readonly List<Function> _unlinked = [];
    private bool _disposed;

    private GraphCapture()
    {
        _outer = _current;
        _current = this;
    }

    /// <summary>The capture running on this thread, or null.</summary>
    internal static GraphCapture? Current => _current;

    /// <summary>True while a capture runs on this thread: every op records itself.</summary>
    internal static bool IsActive => _current is not null;

    /// <summary>Starts capturing on this thread until disposed.</summary>
    public static GraphCapture Begin() => new();

    /// <summary>Where the forward is now (a module path), attached to the nodes recorded meanwhile; for error messages.</summary>
    public string? Scope { get; set; }

    /// <summary>Every node recorded, in the order the ops ran.</summary>
    public IReadOnlyList<Function> Recorded => _recorded;

    /// <summary>The scope that was current when <paramref name="node"/> was recorded, or null.</summary>
    public string? ScopeOf(Function node) => _scopes.GetValueOrDefault(node);

    internal void Add(Function node)
    {
        _recorded.Add(node);
        if (Scope is not null) _scopes[node] = Scope;
    }

    /// <summary>A node no tensor links to (Function.RecordForCapture): held here until <see cref="ReleaseUnlinked"/>.</summary>
    internal void AddUnlinked(Function node) => _unlinked.Add(node);

    /// <summary>Frees the nodes only the capture holds (call when the recording is no longer read).</summary>
    public void ReleaseUnlinked()
    {
        foreach (var node in _unlinked) node.Drop();
        _unlinked.Clear();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _current = _outer;
    }
}
