using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Ops;
using DeepNet.Serialization.Onnx.Proto;
using static DeepNet.Serialization.Onnx.Export.OnnxGraphBuilder;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// Turns traced values into ONNX nodes (opset 17): each recorded op maps to one or a few ONNX ops;
/// whole-layer patterns (convolution, pooling, embedding lookup) are recognized first by
/// <see cref="OnnxPatterns"/>. Parameters and buffers become initializers named by their module path.
/// </summary>
internal sealed partial class OnnxEmitter(OnnxGraphBuilder g, IReadOnlyDictionary<object, string> modulePaths)
{
    private const int ToFloat = (int)TensorProto.Types.DataType.Float;
    private const int ToInt64 = (int)TensorProto.Types.DataType.Int64;
    private const int ToBool = (int)TensorProto.Types.DataType.Bool;

    /// <summary>The ONNX name of <paramref name="node"/>'s value, emitting it (and what it needs) once.</summary>
    public string Emit(TraceNode node) => node.OnnxName ??= node.Kind switch
    {
        TraceNodeKind.Input => g.InputName,
        TraceNodeKind.State => State(node),
        TraceNodeKind.Constant => Constant(node),
        TraceNodeKind.Layer => Layer(node),
        _ => Op(node),
    };

    private readonly Dictionary<string, string> _states = [];

    private string State(TraceNode node) => StateInitializer(node.StateName!, node.Value!);

    /// <summary>The initializer of a parameter or buffer under its state name, written once however often it is read.</summary>
    internal string StateInitializer(string name, Tensors.Tensor value)
    {
        if (_states.TryGetValue(name, out var emitted)) return emitted;
        if (!g.Reserve(name)) throw new OnnxExportException($"onnx export: the name '{name}' is used twice");
        return _states[name] = Initializer(name, value, null);
    }

    // A layer marked whole during the trace: one ONNX node (or one per recurrent layer).
    private string Layer(TraceNode node)
    {
        string path = modulePaths.GetValueOrDefault(node.Layer!, "");
        string x = In(node, 0);
        return node.Layer switch
        {
            Layers.RecurrentLayer recurrent => RecurrentExport.Emit(g, x, recurrent, path, node.Inputs[0].Shape.Length),
            Layers.BatchNorm norm => NormExport.BatchNorm(this, g, x, norm, path),
            _ => throw Unsupported(node, $"{node.Layer!.GetType().Name} has no whole-layer export"),
        };
    }

    // Float32 and Int64 values become initializers; other dtypes are refused by name.
    private string Initializer(string? name, Tensors.Tensor value, TraceNode? node) => value.DType switch
    {
        Tensors.DType.Float32 => g.FloatInitializer(name, value.ToArray(), value.ShapeArray),
        Tensors.DType.Int64 => g.Int64Initializer(name, value.ToArray<long>(), value.ShapeArray),
        _ => throw new OnnxExportException($"onnx export: {(name ?? node?.Describe() ?? "a constant")} is {value.DType}; only Float32 and Int64 values can be exported"),
    };

    private string Constant(TraceNode node)
    {
        if (node.Value!.DType != Tensors.DType.Float32)
        {
            if (node.Value.DType != Tensors.DType.Int64) return Initializer(null, node.Value, node);   // throws, naming the dtype
            if (node.ShapeChanges || !node.Value.ToArray<long>().AsSpan().SequenceEqual(node.ValueB!.ToArray<long>()))
                throw new OnnxExportException($"onnx export: {node.Describe()} reads a {node.Value.DType} value that changes with the input; it cannot be exported");
            return Initializer(null, node.Value, node);
        }
        var a = node.Value!.ToArray();
        if (!node.ShapeChanges && a.AsSpan().SequenceEqual(node.ValueB!.ToArray())) return g.FloatInitializer(null, a, node.Shape);
        // A constant that follows the batch (zeros of [N, H], a padding block): one value everywhere
        // becomes ConstantOfShape of the input's batch size; anything else read a value off the graph.
        var b = node.ValueB!.ToArray();
        if (a.Length > 0 && b.Length > 0 && a.All(v => v.Equals(a[0])) && b.All(v => v.Equals(a[0])))
        {
            var fill = new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = ExportTensors.Float("fill", [a[0]], [1]) };
            return g.Node("ConstantOfShape", [g.Shape(node.Shape, node.ShapeB, node.Describe())], fill);
        }
        throw new OnnxExportException(
            $"onnx export: {node.Describe()} reads a value of shape {Format(node.Shape)} that changes with the input but was not " +
            "computed by recorded ops (ArgMax indices, random numbers, a value read back to the host); it cannot be exported");
    }

    private string In(TraceNode node, int i) => Emit(node.Inputs[i]);

    private string Op(TraceNode node)
    {
        if (OnnxPatterns.TryEmit(this, g, node) is { } fused) return fused;
        return node.Op switch
        {
            IUnaryFunction u => Unary(u.Op, In(node, 0), node),
            IBinaryFunction b => Binary(b.Op, In(node, 0), In(node, 1), node),
            IBiasActivationFunction f => Unary(f.Op, AddBias(node, In(node, 0), In(node, 1)), node),
            MatMulFunction => g.Node("MatMul", [In(node, 0), In(node, 1)]),
            ViewFunction => Reshape(node, In(node, 0)),
            CopyFunction => g.Node("Identity", [In(node, 0)]),
            PermuteFunction p => g.Node("Transpose", [In(node, 0)], Ints("perm", p.Dims.Select(d => (long)d))),
            NarrowFunction n => Slice(node, n),
            ExpandFunction => Expand(node),
            CatFunction c => g.Node("Concat", node.Inputs.Select(Emit), Int("axis", c.Dim)),
            ReduceFunction r => Reduce(node, r),
            WhereFunction => g.Node("Where", [g.Node("Cast", [In(node, 2)], Int("to", ToBool)), In(node, 0), In(node, 1)]),
            GatherFunction f => g.Node("GatherElements", [In(node, 0), g.Node("Cast", [In(node, 1)], Int("to", ToInt64))], Int("axis", f.Dim)),
            Im2ColFunction c => Im2Col(node, c),
            SoftmaxFunction s => Softmax(node, s),
            LayerNormFunction n => LayerNorm(node, n),
            AttentionFunction a => Attention(node, a),
            MaxPool2DFunction p => MaxPool(node, p),
            CompareFunction c => Compare(c.Kind, In(node, 0), In(node, 1)),   // ONNX's comparisons give bool, as DeepNet's
            CastFunction => g.Node("Cast", [In(node, 0)], Int("to", OnnxTypes.Of(node.Op!.CapturedOutput!.DType, node))),
            SoftmaxCrossEntropyFunction => throw Unsupported(node, "a loss (cross_entropy) is not part of an exported model; export the model without its loss"),
            _ => throw Unsupported(node, "this op has no ONNX export"),
        };
    }

    internal static OnnxExportException Unsupported(TraceNode node, string why) =>
        new($"onnx export: op {node.Describe()} cannot be exported: {why}");

    internal string Unary(IUnaryOp op, string x, TraceNode node) => op switch
    {
        IdentityOp => g.Node("Identity", [x]),
        NegOp => g.Node("Neg", [x]),
        ExpOp => g.Node("Exp", [x]),
        LogOp => g.Node("Log", [x]),
        SqrtOp => g.Node("Sqrt", [x]),
        AbsOp => g.Node("Abs", [x]),
        FloorOp => g.Node("Floor", [x]),
        ReluOp => g.Node("Relu", [x]),
        SigmoidOp => g.Node("Sigmoid", [x]),
        TanhOp => g.Node("Tanh", [x]),
        LeakyReluOp l => g.Node("LeakyRelu", [x], Float("alpha", l.Single)),
        // opset 17 has no Gelu: x·Φ(x) = 0.5·x·(1 + erf(x/√2)); the tanh form as DeepNet evaluates it, x·σ(2u).
        GeluOp => g.Node("Mul", [g.Node("Mul", [x, g.Node("Add", [g.Node("Erf", [g.Node("Mul", [x, g.Scalar(0.70710678f)])]), g.Scalar(1f)])]), g.Scalar(0.5f)]),
        GeluTanhOp => g.Node("Mul", [x, g.Node("Sigmoid", [g.Node("Mul", [g.Scalar(2f * 0.7978845608f),
            g.Node("Add", [x, g.Node("Mul", [g.Scalar(0.044715f), g.Node("Mul", [x, g.Node("Mul", [x, x])])])])])])]),
        AddScalarOp s => g.Node("Add", [x, g.Scalar(s.Single)]),
        MulScalarOp s => g.Node("Mul", [x, g.Scalar(s.Single)]),
        DivScalarOp s => g.Node("Div", [x, g.Scalar(s.Single)]),
        PowScalarOp { Single: 2f } => g.Node("Mul", [x, x]),
        PowScalarOp p => g.Node("Pow", [x, g.Scalar(p.Single)]),
        ClampOp c => g.Node("Clip", [x, g.Scalar(c.MinSingle), g.Scalar(c.MaxSingle)]),
        _ => throw Unsupported(node, $"the elementwise op {op.GetType().Name} has no ONNX export"),
    };

    private string Binary(IBinaryOp op, string a, string b, TraceNode node) => op switch
    {
        AddOp => g.Node("Add", [a, b]),
        SubOp => g.Node("Sub", [a, b]),
        MulOp => g.Node("Mul", [a, b]),
        DivOp => g.Node("Div", [a, b]),
        PowOp => g.Node("Pow", [a, b]),
        MaximumOp => g.Node("Max", [a, b]),
        MinimumOp => g.Node("Min", [a, b]),
        ScaledAddOp s => g.Node("Add", [a, g.Node("Mul", [b, g.Scalar(s.Alpha)])]),
        AddScaledSquareOp s => g.Node("Add", [a, g.Node("Mul", [g.Node("Mul", [b, b]), g.Scalar(s.Alpha)])]),
        _ => throw Unsupported(node, $"the elementwise op {op.GetType().Name} has no ONNX export"),
    };

    private string Compare(Comparison kind, string a, string b) => kind switch
    {
        Comparison.Equal => g.Node("Equal", [a, b]),
        Comparison.NotEqual => g.Node("Not", [g.Node("Equal", [a, b])]),
        Comparison.Less => g.Node("Less", [a, b]),
        Comparison.LessOrEqual => g.Node("LessOrEqual", [a, b]),
        Comparison.Greater => g.Node("Greater", [a, b]),
        _ => g.Node("GreaterOrEqual", [a, b]),
    };

    /// <summary>x + bias along the channel dim (dim 1; dim 0 of a 1-d x), as the fused bias op.</summary>
    internal string AddBias(TraceNode node, string x, string bias)
    {
        int rank = node.Shape.Length;
        if (rank < 2) return g.Node("Add", [x, bias]);
        long[] shape = [-1, .. Enumerable.Repeat(1L, rank - 2)];
        return g.Node("Add", [x, g.Node("Reshape", [bias, g.Int64s(shape)])]);
    }

    private string Reshape(TraceNode node, string x)
    {
        var input = node.Inputs[0];
        if (input.Shape.AsSpan().SequenceEqual(node.Shape) && input.ShapeB.AsSpan().SequenceEqual(node.ShapeB))
            return g.Node("Identity", [x]);
        return g.Node("Reshape", [x, g.ReshapeTarget(node.Shape, node.ShapeB, node.Describe())]);
    }

    private string Slice(TraceNode node, NarrowFunction narrow)
    {
        var (dim, start, step) = narrow.Window;
        var (_, startB, _) = ((NarrowFunction)node.OpB!).Window;
        var input = node.Inputs[0];
        int size = input.Shape[dim], sizeB = input.ShapeB[dim];
        long end = Last(start, node.Shape[dim], step), endB = Last(startB, node.ShapeB[dim], step);
        long first = Bound(start, startB, size, sizeB, node, "start");
        long last = end == size && endB == sizeB ? long.MaxValue : Bound(end, endB, size, sizeB, node, "end");
        return g.Node("Slice", [Emit(input), g.Int64s(first), g.Int64s(last), g.Int64s(dim), g.Int64s(step)]);
    }

    // One past the last element read; a slice of length 0 ends where it starts.
    private static long Last(int start, int length, int step) => length == 0 ? start : start + (long)(length - 1) * step + 1;

    // A bound that moves with a changing dim is taken from the end (negative), as Python's slices.
    private static long Bound(long a, long b, int size, int sizeB, TraceNode node, string which)
    {
        if (a == b) return a;
        if (a - size == b - sizeB) return a - size;
        throw Unsupported(node, $"the slice {which} ({a} vs {b}) changes with the batch in a way ONNX Slice cannot express");
    }

    private string Expand(TraceNode node)
    {
        var input = node.Inputs[0];
        int extra = node.Shape.Length - input.Shape.Length;
        var a = (int[])node.Shape.Clone();
        var b = (int[])node.ShapeB.Clone();
        for (int i = extra; i < a.Length; i++)
            if (input.Shape[i - extra] == a[i] && input.ShapeB[i - extra] == b[i]) a[i] = b[i] = 1;   // kept dims broadcast as 1
        return g.Node("Expand", [Emit(input), g.Shape(a, b, node.Describe())]);
    }

    private string Reduce(TraceNode node, ReduceFunction reduce)
    {
        var (kind, dims) = reduce.Reduction;
        var x = In(node, 0);
        if (dims.Length == 0) return g.Node("Identity", [x]);
        int keep = node.Shape.Length == node.Inputs[0].Shape.Length ? 1 : 0;
        return kind == Kernels.ReduceKind.Sum
            ? g.Node("ReduceSum", [x, g.Int64s([.. dims.Select(d => (long)d)])], Int("keepdims", keep))
            : g.Node("ReduceMax", [x], Ints("axes", dims.Select(d => (long)d)), Int("keepdims", keep));
    }

    internal static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
