using System.Globalization;
using DeepNet.Serialization.Onnx.Proto;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// Appends nodes, initializers and constants to one ONNX graph. Knows the dynamic dim: the graph
/// input's dim <see cref="BatchDim"/> is symbolic, and the two traced sizes (<see cref="BatchA"/>,
/// <see cref="BatchB"/>) say which other dims follow it, so shape operands use 0/-1 or are computed
/// from the input's shape instead of baking a batch size.
/// </summary>
internal sealed class OnnxGraphBuilder(GraphProto graph, string inputName, int batchDim, int batchA, int batchB)
{
    private readonly Dictionary<string, string> _constants = [];
    private readonly HashSet<string> _names = [];
    private int _counter;
    private string? _batchSize;

    public GraphProto Graph { get; } = graph;
    public string InputName { get; } = inputName;
    public int BatchDim { get; } = batchDim;
    public int BatchA { get; } = batchA;
    public int BatchB { get; } = batchB;

    /// <summary>A value name not used yet, from a hint such as "matmul".</summary>
    public string Fresh(string hint)
    {
        string name;
        do name = $"{hint}_{_counter++}"; while (!_names.Add(name));
        return name;
    }

    /// <summary>Reserves an exact name (a parameter's dotted path); false when taken.</summary>
    public bool Reserve(string name) => _names.Add(name);

    /// <summary>Adds a node; returns its (first) output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, inputs, 1, attributes)[0];

    public string[] NodeWithOutputs(string opType, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh(opType) };
        node.Input.AddRange(inputs);
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++) node.Output.Add(names[i] = Fresh(opType.ToLowerInvariant()));
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return names;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float32 initializer under an exact name (a parameter) or a fresh one.</summary>
    public string FloatInitializer(string? name, ReadOnlySpan<float> values, IReadOnlyList<int> dims)
    {
        name ??= Fresh("const");
        Graph.Initializer.Add(ExportTensors.Float(name, values, dims));
        return name;
    }

    /// <summary>An int64 initializer of <paramref name="dims"/> under an exact name or a fresh one.</summary>
    public string Int64Initializer(string? name, ReadOnlySpan<long> values, IReadOnlyList<int> dims)
    {
        name ??= Fresh("const");
        var tensor = ExportTensors.Int64(name, values, scalar: true);
        foreach (int d in dims) tensor.Dims.Add(d);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A float32 scalar constant, shared by every use of the same value.</summary>
    public string Scalar(float value) =>
        Cached("f:" + BitConverter.SingleToInt32Bits(value).ToString(CultureInfo.InvariantCulture),
            name => Graph.Initializer.Add(ExportTensors.Float(name, [value], []))) ;

    /// <summary>A 1-d int64 constant, shared by every use of the same values.</summary>
    public string Int64s(params long[] values) =>
        Cached("i:" + string.Join(",", values), name => Graph.Initializer.Add(ExportTensors.Int64(name, values)));

    private string Cached(string key, Action<string> add)
    {
        if (_constants.TryGetValue(key, out var name)) return name;
        name = Fresh("const");
        add(name);
        return _constants[key] = name;
    }

    /// <summary>The input's batch size as a 1-d int64 [1] (Shape → Gather), made once.</summary>
    public string BatchSize() => _batchSize ??=
        Node("Gather", [Node("Shape", [InputName]), Int64s(BatchDim)], Int("axis", 0));

    /// <summary>
    /// True when a dim traced as <paramref name="a"/> and <paramref name="b"/> is k·batch (k ≥ 1);
    /// false for a static dim; throws for a dim that changes with the batch in another way.
    /// </summary>
    public bool IsBatchMultiple(int a, int b, string what, out int k)
    {
        k = 0;
        if (a == b) return false;
        if (a % BatchA == 0 && a / BatchA * BatchB == b)
        {
            k = a / BatchA;
            return true;
        }
        throw new OnnxExportException($"onnx export: {what} has a dim of {a} at batch size {BatchA} but {b} at {BatchB}, not a multiple of the batch size");
    }

    /// <summary>
    /// An int64 shape operand for dims traced as <paramref name="a"/> and <paramref name="b"/>:
    /// a constant when they agree, else computed from the input's batch size.
    /// </summary>
    public string Shape(int[] a, int[] b, string what)
    {
        if (a.AsSpan().SequenceEqual(b)) return Int64s([.. a.Select(d => (long)d)]);
        var pieces = new List<string>();
        var run = new List<long>();
        for (int i = 0; i < a.Length; i++)
        {
            if (!IsBatchMultiple(a[i], b[i], what, out int k))
            {
                run.Add(a[i]);
                continue;
            }
            if (run.Count > 0) pieces.Add(Int64s([.. run]));
            run.Clear();
            pieces.Add(k == 1 ? BatchSize() : Node("Mul", [BatchSize(), Int64s(k)]));
        }
        if (run.Count > 0) pieces.Add(Int64s([.. run]));
        return pieces.Count == 1 ? pieces[0] : Node("Concat", pieces, Int("axis", 0));
    }

    /// <summary>Reshape's target: one changing dim becomes -1, several are computed.</summary>
    public string ReshapeTarget(int[] a, int[] b, string what)
    {
        int changing = 0, at = -1;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) (changing, at) = (changing + 1, i);
        if (changing != 1) return Shape(a, b, what);
        var target = a.Select(d => (long)d).ToArray();
        target[at] = -1;
        return Int64s(target);
    }
}
