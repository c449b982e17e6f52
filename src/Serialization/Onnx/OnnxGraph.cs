namespace DeepNet.Serialization.Onnx;

/// <summary>
/// A computation graph as the file holds it: nodes in topological order, constant initializers by
/// name, and the declared inputs and outputs. Every node input names a graph input, an
/// initializer, an earlier node's output or (in a subgraph) a value of an enclosing graph.
/// </summary>
public sealed class OnnxGraph
{
    private readonly Dictionary<string, OnnxNode> _producers;
    private readonly Dictionary<string, List<OnnxNode>> _consumers;

    internal OnnxGraph(string name, IReadOnlyList<OnnxNode> nodes, IReadOnlyDictionary<string, OnnxTensor> initializers,
        IReadOnlyList<OnnxValueInfo> inputs, IReadOnlyList<OnnxValueInfo> outputs)
    {
        Name = name;
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
        _producers = [];
        _consumers = [];
        foreach (var node in nodes)
        {
            foreach (string output in node.Outputs.Where(o => o.Length > 0)) _producers[output] = node;
            foreach (string input in node.Inputs.Where(i => i.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                list.Add(node);
            }
        }
    }

    public string Name { get; }

    /// <summary>The nodes in the file's (topological) order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>Constant tensors by name (weights, biases, shape constants).</summary>
    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    /// <summary>Declared inputs that are not initializers: what a caller feeds.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>The node writing <paramref name="value"/>, or null for a graph input or initializer.</summary>
    public OnnxNode? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>The nodes reading <paramref name="value"/>, in graph order.</summary>
    public IReadOnlyList<OnnxNode> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>
    /// The constant a value holds: an initializer, or the output of a Constant node (value attribute).
    /// Null when the value is computed.
    /// </summary>
    public OnnxTensor? Constant(string value)
    {
        if (Initializers.TryGetValue(value, out var tensor)) return tensor;
        var producer = Producer(value);
        if (producer is { OpType: "Constant", Domain: "" or "ai.onnx" }
            && producer.Attributes.TryGetValue("value", out var attribute)) return attribute.Tensor;
        return null;
    }
}
