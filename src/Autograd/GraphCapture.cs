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
    private readonly Dictionary<Function, WholeLayer> _layers = [];
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

    /// <summary>
    /// Marks <paramref name="output"/> as computed by <paramref name="layer"/> from <paramref name="input"/> as a whole,
    /// so export can write the layer as one node (an ONNX LSTM rather than its unrolled steps).
    /// </summary>
    public void MarkWholeLayer(object layer, Tensor input, Tensor output)
    {
        if (output.GradFn is { } node) _layers[node] = new WholeLayer(layer, input.GradFn, input.UnscopedAlias());
    }

    /// <summary>The whole layer whose output <paramref name="node"/> is, or null.</summary>
    public WholeLayer? WholeLayerOf(Function node) => _layers.GetValueOrDefault(node);

    /// <summary>Frees what the marks hold (the inputs' aliases); the recorded nodes are the graph's.</summary>
    public void Release()
    {
        foreach (var layer in _layers.Values) layer.Input.Dispose();
        _layers.Clear();
    }

    internal void Add(Function node)
    {
        _recorded.Add(node);
        if (Scope is not null) _scopes[node] = Scope;
    }

    /// <summary>A recorded node the capture holds (Function.Capture) until <see cref="ReleaseUnlinked"/>.</summary>
    internal void AddUnlinked(Function node) => _unlinked.Add(node);

    /// <summary>Gives up the capture's holds on its nodes (call when the recording is no longer read).</summary>
    public void ReleaseUnlinked()
    {
        foreach (var node in _unlinked) node.Drop();
        _unlinked.Clear();
    }
    /// <summary>A layer marked as one unit: the layer, its input's node (null for a leaf or constant) and an alias of the input.</summary>
    internal sealed record WholeLayer(object Layer, Function? InputNode, Tensor Input);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _current = _outer;
    }
}
