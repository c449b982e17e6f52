using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// A node of the autograd graph: one recorded op. A subclass computes its forward in a static
/// Apply, records itself with <see cref="Record(Tensor, Tensor[])"/>, and gives the gradient of each input in
/// <see cref="Backward"/>, written with Tensor ops so it runs on every device.
/// </summary>
public abstract class Function
{
    // The first two saved tensors sit in the node (most ops save one or two), more go to an array.
    private SavedPair _saved;
    private int _savedCount;
    private Edge[] _edges = [];
    private int _holds;   // live tensors whose GradFn this is + edges of downstream nodes
    private Extra? _extra;   // saved tensors past two, and what a GraphCapture keeps: one field for what most nodes never need

    [System.Runtime.CompilerServices.InlineArray(2)]
    private struct SavedPair
    {
        private Tensor _first;
    }

    private sealed class Extra
    {
        public Tensor[]? SavedMore;
        public Tensor?[]? CapturedInputs;
        public Tensor? CapturedOutput;
    }

    // Per-thread result arrays for one- and two-input nodes: Backprop reads every element before it runs
    // anything else (a hook, a nested backward), so an array is free again by the next node.
    [ThreadStatic] private static Tensor?[]? _oneGradient, _twoGradients;

    /// <summary>The result of a one-input node's Backward, without a new array per node (see <see cref="_oneGradient"/>).</summary>
    protected static Tensor?[] Gradient(Tensor? gradInput)
    {
        var one = _oneGradient ??= new Tensor?[1];
        one[0] = gradInput;
        return one;
    }

    /// <summary>The result of a two-input node's Backward (a matmul, a binary op, bias + activation), without a new array per node.</summary>
    protected static Tensor?[] Gradients(Tensor? gradA, Tensor? gradB)
    {
        var two = _twoGradients ??= new Tensor?[2];
        two[0] = gradA;
        two[1] = gradB;
        return two;
    }

    // Reused by Drop so freeing a graph allocates nothing per call.
    [ThreadStatic] private static Stack<Function>? _dropStack;

    /// <summary>Op name shown in ToString and errors, e.g. "MatMulBackward".</summary>
    public virtual string Name => GetType().Name.Replace("Function", "Backward");

    internal IReadOnlyList<Edge> Edges => _edges;

    /// <summary>The tensors this node keeps for backward (GraphMemory counts their bytes).</summary>
    internal ReadOnlySpan<Tensor> SavedTensors =>
        _extra?.SavedMore is { } more ? more.AsSpan(0, _savedCount) : ((ReadOnlySpan<Tensor>)_saved)[.._savedCount];

    /// <summary>
    /// Under a <see cref="GraphCapture"/>: the value of input i when it is no node's output (a constant
    /// or buffer; null for node outputs and leaves that require grad).
    /// </summary>
    internal Tensor? CapturedInput(int i) => _extra?.CapturedInputs is { } inputs && i < inputs.Length ? inputs[i] : null;

    /// <summary>Under a <see cref="GraphCapture"/>: an alias of this node's output (its values and layout).</summary>
    internal Tensor? CapturedOutput => _extra?.CapturedOutput;

    /// <summary>True when a capture is on: ops record edges they would not need for gradients (Where's condition, Gather's index).</summary>
    protected static bool IsCapturing => GraphCapture.IsActive;

    internal bool IsReleased { get; private set; }

    /// <summary>
    /// Gradients of the inputs (in Record order) given the output's gradient. An entry may be
    /// null when the input needs none; entries may have the broadcast output shape (Backprop
    /// sums them back). Returned tensors are owned by the caller: never return gradOutput itself.
    /// </summary>
    protected internal abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>True when grad mode is on and some input requires grad: the op must be recorded.</summary>
    protected static bool ShouldRecord(Tensor input) => GradMode.IsEnabled && input.RequiresGrad || GraphCapture.IsActive;

    /// <summary>True when grad mode is on and either input requires grad (no params array: the per-op path).</summary>
    protected static bool ShouldRecord(Tensor a, Tensor b) => GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad) || GraphCapture.IsActive;

    /// <summary>True when grad mode is on and some input requires grad: the op must be recorded.</summary>
    protected static bool ShouldRecord(params Tensor[] inputs)
    {
        if (GraphCapture.IsActive) return true;
        if (!GradMode.IsEnabled) return false;
        foreach (var t in inputs)
            if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Keeps a tensor for backward as an alias owned by this node, in no scope: disposing the
    /// original, or any scope, is safe. Backward frees it, or the node does when the graph is dropped.
    /// </summary>
    protected Tensor Save(Tensor tensor)
    {
        var alias = tensor.UnscopedAlias();
        if (_extra?.SavedMore is not { } more)
        {
            if (_savedCount < 2)
            {
                _saved[_savedCount++] = alias;
                return alias;
            }
            more = new Tensor[4];
            more[0] = _saved[0];
            more[1] = _saved[1];
            _saved = default;
            (_extra ??= new Extra()).SavedMore = more;
        }
        else if (_savedCount == more.Length) Array.Resize(ref _extra.SavedMore, _savedCount * 2);
        _extra.SavedMore![_savedCount] = alias;
        _savedCount++;
        return alias;
    }

    /// <summary>Links <paramref name="output"/> to this node, with one edge per input.</summary>
    protected Tensor Record(Tensor output, params Tensor[] inputs)
    {
        _edges = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) _edges[i] = EdgeTo(inputs[i]);
        if (GraphCapture.Current is { } capture) Capture(capture, output, inputs);
        return Link(output);
    }

    /// <summary>Record for one input, without a params array.</summary>
    protected Tensor Record(Tensor output, Tensor input)
    {
        _edges = [EdgeTo(input)];
        if (GraphCapture.Current is { } capture) Capture(capture, output, [input]);
        return Link(output);
    }

    /// <summary>Record for two inputs, without a params array.</summary>
    protected Tensor Record(Tensor output, Tensor a, Tensor b)
    {
        _edges = [EdgeTo(a), EdgeTo(b)];
        if (GraphCapture.Current is { } capture) Capture(capture, output, [a, b]);
        return Link(output);
    }

    /// <summary>
    /// Under a capture only: records an op that has no gradient (a comparison, a cast to an integer or
    /// Bool dtype) so an export sees where its output came from; the output stays graph-less (it is no
    /// float tensor that could require grad) and the capture holds the node until it is released.
    /// </summary>
    protected Tensor RecordForCapture(Tensor output, params Tensor[] inputs)
    {
        if (GraphCapture.Current is not { } capture) return output;
        _edges = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) _edges[i] = EdgeTo(inputs[i]);
        Capture(capture, output, inputs);
        return output;
    }

    private static Edge EdgeTo(Tensor t)
    {
        if (!t.RequiresGrad) return new Edge(null, null, t.ShapeArray);
        if (t.GradFn is null) return new Edge(null, t, t.ShapeArray);
        t.GradFn._holds++;
        return new Edge(t.GradFn, null, t.ShapeArray);
    }

    private Tensor Link(Tensor output)
    {
        var previous = output.GradFn;
        _holds++;
        output.GradFn = this;
        // Only an export's capture records ops with integer or Bool outputs (ArgMax indices, masks); those carry
        // their node for the trace but cannot require grad (Capture makes the capture hold every recorded node).
        if (output.DType.IsFloatingPoint()) output.RequiresGrad = true;
        previous?.Drop();
        return output;
    }

    private void Capture(GraphCapture capture, Tensor output, Tensor[] inputs)
    {
        var captured = new Tensor?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
            if (_edges[i].Producer is null && _edges[i].Leaf is null) captured[i] = Save(inputs[i]);
        var outputAlias = Save(output);
        var extra = _extra ??= new Extra();
        extra.CapturedInputs = captured;
        extra.CapturedOutput = outputAlias;
        capture.Add(this);
        // The capture holds every node it recorded until the trace is released: a node read only as a
        // constant (a mask, an integer index, a detached alias) has no downstream edge that would keep it.
        _holds++;
        capture.AddUnlinked(this);
    }

    /// <summary>
    /// Gives up one hold (a tensor disposed, or a downstream node dropped). The last one frees the
    /// saved tensors and drops the inputs' nodes in turn; iterative, since graphs can be thousands deep.
    /// </summary>
    internal void Drop()
    {
        if (--_holds > 0) return;
        var stack = _dropStack ??= new Stack<Function>();
        int bottom = stack.Count;   // Release disposes tensors, which never re-enter, but stay safe if they do
        stack.Push(this);
        while (stack.Count > bottom)
        {
            var node = stack.Pop();
            node.Release();
            foreach (var edge in node._edges)
                if (edge.Producer is { } producer && --producer._holds == 0) stack.Push(producer);
            node._edges = [];
        }
    }

    /// <summary>Frees the saved tensors; a second backward through this node then fails clearly.</summary>
    internal void Release()
    {
        if (IsReleased) return;
        foreach (var saved in SavedTensors) saved.Dispose();
        _saved = default;
        if (_extra is not null) _extra.SavedMore = null;
        _savedCount = 0;
        IsReleased = true;
    }

    public override string ToString() => Name;
}
