using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// Walks the two traces from their outputs in lockstep and builds the <see cref="TraceNode"/> graph:
/// the same ops must have run in the same order at both batch sizes (else the forward has
/// data-dependent control flow, which ONNX export cannot keep).
/// </summary>
internal sealed class TraceGraph(ExportTrace a, ExportTrace b, IReadOnlyDictionary<Tensor, string> stateNames)
{
    private readonly Dictionary<Function, TraceNode> _ops = [];
    private readonly Dictionary<string, TraceNode> _state = [];
    private readonly Dictionary<ExportTrace.LayoutKey, string> _stateByLayout =
        stateNames.ToDictionary(kv => ExportTrace.LayoutKey.Of(kv.Key), kv => kv.Value);
    private TraceNode? _input;

    /// <summary>The output's node; every value it depends on is reachable through Inputs.</summary>
    public TraceNode Build()
    {
        var root = OpNode(a.Output.GradFn!, b.Output.GradFn!);
        return root;
    }

    private TraceNode OpNode(Function fa, Function fb)
    {
        // Iterative post-order: unrolled recurrences make graphs thousands of ops deep.
        var stack = new Stack<(Function A, Function B, bool Expanded)>();
        stack.Push((fa, fb, false));
        while (stack.Count > 0)
        {
            var (x, y, expanded) = stack.Pop();
            if (_ops.ContainsKey(x)) continue;
            var layer = a.Capture.WholeLayerOf(x);
            if ((layer is null) != (b.Capture.WholeLayerOf(y) is null)) throw Mismatch(x, y);
            if (layer is null) CheckSame(x, y);   // a whole layer's insides may differ (unrolled steps)
            else if (!ReferenceEquals(layer.Layer, b.Capture.WholeLayerOf(y)!.Layer)) throw Mismatch(x, y);
            if (!expanded)
            {
                stack.Push((x, y, true));
                if (layer is not null)
                {
                    if (LayerInputNode(a, x) is { } pa && !_ops.ContainsKey(pa)) stack.Push((pa, LayerInputNode(b, y) ?? throw Mismatch(x, y), false));
                    continue;
                }
                for (int i = x.Edges.Count - 1; i >= 0; i--)
                    if (ProducerOf(a, x, i) is { } pa && !_ops.ContainsKey(pa))
                        stack.Push((pa, ProducerOf(b, y, i) ?? throw Mismatch(x, y), false));
                continue;
            }
            if (layer is not null)
            {
                var whole = new TraceNode
                {
                    Kind = TraceNodeKind.Layer, Layer = layer.Layer, Op = x, OpB = y, Scope = a.Capture.ScopeOf(x),
                    Shape = x.CapturedOutput!.ShapeArray, ShapeB = y.CapturedOutput!.ShapeArray,
                };
                whole.Inputs = [LayerInput(x, y, whole)];
                whole.Inputs[0].Uses++;
                _ops[x] = whole;
                continue;
            }
            var node = new TraceNode
            {
                Kind = TraceNodeKind.Op, Op = x, OpB = y, Scope = a.Capture.ScopeOf(x),
                Shape = x.CapturedOutput!.ShapeArray, ShapeB = y.CapturedOutput!.ShapeArray,
            };
            CheckRank(node);
            node.Inputs = [.. Enumerable.Range(0, x.Edges.Count).Select(i => Input(x, y, i, node))];
            foreach (var input in node.Inputs) CheckRank(input);
            foreach (var input in node.Inputs) input.Uses++;
            _ops[x] = node;
        }
        return _ops[fa];
    }

    // Squeezing a batch of 1 (or any rank that follows the batch size) has no ONNX form with a symbolic batch.
    private void CheckRank(TraceNode node)
    {
        if (node.Shape.Length != node.ShapeB.Length)
            throw new OnnxExportException($"onnx export: {node.Describe()} gives shape {OnnxEmitter.Format(node.Shape)} at batch size " +
                $"{a.Input.Shape} but {OnnxEmitter.Format(node.ShapeB)} at {b.Input.Shape}: its rank follows the batch size (a squeezed batch of 1?)");
    }

    private void CheckSame(Function x, Function y)
    {
        if (x.GetType() != y.GetType() || x.Edges.Count != y.Edges.Count) throw Mismatch(x, y);
    }

    private OnnxExportException Mismatch(Function x, Function y) => new(
        $"onnx export: the forward ran different ops at batch sizes {a.Input.Shape} and {b.Input.Shape} ({x.Name} vs {y.Name}" +
        $"{(a.Capture.ScopeOf(x) is { } scope ? " in module " + scope : "")}); data-dependent control flow cannot be exported");

    /// <summary>The node that produced a marked layer's input (directly or as a detached alias), or null.</summary>
    private static Function? LayerInputNode(ExportTrace trace, Function output)
    {
        var layer = trace.Capture.WholeLayerOf(output)!;
        if (layer.InputNode is { } node) return node;
        return trace.IsInput(layer.Input) ? null : trace.ProducerOf(layer.Input, output);
    }

    private TraceNode LayerInput(Function x, Function y, TraceNode consumer)
    {
        if (LayerInputNode(a, x) is { } producer) return _ops[producer];
        var value = a.Capture.WholeLayerOf(x)!.Input;
        var valueB = b.Capture.WholeLayerOf(y)!.Input;
        if (a.IsInput(value) != b.IsInput(valueB)) throw Mismatch(x, y);
        if (a.IsInput(value))
            return _input ??= new TraceNode { Kind = TraceNodeKind.Input, Shape = a.Input.ShapeArray, ShapeB = b.Input.ShapeArray };
        return new TraceNode
        {
            Kind = TraceNodeKind.Constant, Value = value, ValueB = valueB, Scope = consumer.Scope, ReadBy = x.Name,
            Shape = value.ShapeArray, ShapeB = valueB.ShapeArray,
        };
    }

    /// <summary>The node that produced input i of <paramref name="f"/>, directly or as a detached alias of its output.</summary>
    private static Function? ProducerOf(ExportTrace trace, Function f, int i)
    {
        if (f.Edges[i].Producer is { } producer) return producer;
        return f.CapturedInput(i) is { } constant && !trace.IsInput(constant) ? trace.ProducerOf(constant, f) : null;
    }

    private TraceNode Input(Function x, Function y, int i, TraceNode consumer)
    {
        if (ProducerOf(a, x, i) is { } producer) return _ops[producer];
        var edge = x.Edges[i];
        var value = edge.Leaf ?? x.CapturedInput(i)!;
        var valueB = y.Edges[i].Leaf ?? y.CapturedInput(i) ?? throw Mismatch(x, y);
        if (a.IsInput(value))
        {
            if (!b.IsInput(valueB)) throw Mismatch(x, y);
            return _input ??= new TraceNode { Kind = TraceNodeKind.Input, Shape = a.Input.ShapeArray, ShapeB = b.Input.ShapeArray };
        }
        if ((stateNames.TryGetValue(value, out var name) || _stateByLayout.TryGetValue(ExportTrace.LayoutKey.Of(value), out name)))
        {
            if (_state.TryGetValue(name, out var known)) return known;
            return _state[name] = new TraceNode
            {
                Kind = TraceNodeKind.State, StateName = name, Value = value, ValueB = valueB,
                Shape = value.ShapeArray, ShapeB = valueB.ShapeArray,
            };
        }
        return new TraceNode
        {
            Kind = TraceNodeKind.Constant, Value = value, ValueB = valueB, Scope = consumer.Scope, ReadBy = x.Name,
            Shape = value.ShapeArray, ShapeB = valueB.ShapeArray,
        };
    }
}
