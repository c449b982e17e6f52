using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// A node of the autograd graph: one recorded op. A subclass computes its forward in a static
/// Apply, records itself with <see cref="Record(Tensor, Tensor[])"/>, and gives the gradient of each input in
/// <see cref="Backward"/>, written with Tensor ops so it runs on every device.
/// </summary>
public abstract class Function
{
    private Tensor[] _saved = [];
    private int _savedCount;
    private Edge[] _edges = [];

    /// <summary>Op name shown in ToString and errors, e.g. "MatMulBackward".</summary>
    public virtual string Name => GetType().Name.Replace("Function", "Backward");

    internal IReadOnlyList<Edge> Edges => _edges;

    internal bool IsReleased { get; private set; }

    /// <summary>
    /// Gradients of the inputs (in Record order) given the output's gradient. An entry may be
    /// null when the input needs none; entries may have the broadcast output shape (Backprop
    /// sums them back). Returned tensors are owned by the caller: never return gradOutput itself.
    /// </summary>
    protected internal abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>True when grad mode is on and some input requires grad: the op must be recorded.</summary>
    protected static bool ShouldRecord(Tensor input) => GradMode.IsEnabled && input.RequiresGrad;

    /// <summary>True when grad mode is on and either input requires grad (no params array: the per-op path).</summary>
    protected static bool ShouldRecord(Tensor a, Tensor b) => GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad);

    /// <summary>True when grad mode is on and some input requires grad: the op must be recorded.</summary>
    protected static bool ShouldRecord(params Tensor[] inputs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var t in inputs)
            if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Keeps a tensor for backward as an alias, so disposing the original is safe. The alias
    /// belongs to the outermost open scope (a training step's), so scopes opened inside a
    /// forward do not free what backward needs; backward frees it earlier.
    /// </summary>
    protected Tensor Save(Tensor tensor)
    {
        var alias = tensor.Alias().MoveToScope(DisposeScope.Outermost);
        if (_savedCount == _saved.Length) Array.Resize(ref _saved, Math.Max(2, _saved.Length * 2));
        _saved[_savedCount++] = alias;
        return alias;
    }

    /// <summary>Links <paramref name="output"/> to this node, with one edge per input.</summary>
    protected Tensor Record(Tensor output, params Tensor[] inputs)
    {
        _edges = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) _edges[i] = EdgeTo(inputs[i]);
        return Link(output);
    }

    /// <summary>Record for one input, without a params array.</summary>
    protected Tensor Record(Tensor output, Tensor input)
    {
        _edges = [EdgeTo(input)];
        return Link(output);
    }

    /// <summary>Record for two inputs, without a params array.</summary>
    protected Tensor Record(Tensor output, Tensor a, Tensor b)
    {
        _edges = [EdgeTo(a), EdgeTo(b)];
        return Link(output);
    }

    private static Edge EdgeTo(Tensor t) =>
        !t.RequiresGrad ? new Edge(null, null, t.ShapeArray)
        : t.GradFn is not null ? new Edge(t.GradFn, null, t.ShapeArray)
        : new Edge(null, t, t.ShapeArray);

    private Tensor Link(Tensor output)
    {
        output.GradFn = this;
        output.RequiresGrad = true;
        return output;
    }

    /// <summary>Frees the saved tensors; a second backward through this node then fails clearly.</summary>
    internal void Release()
    {
        for (int i = 0; i < _savedCount; i++) _saved[i].Dispose();
        _saved = [];
        _savedCount = 0;
        IsReleased = true;
    }

    public override string ToString() => Name;
}
