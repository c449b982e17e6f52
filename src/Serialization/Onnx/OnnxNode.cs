namespace DeepNet.Serialization.Onnx;

/// <summary>
/// One operator call of a graph: its op type and domain, the names of the values it reads and
/// writes (an empty input name is an omitted optional input, as in the file), and its attributes.
/// </summary>
public sealed class OnnxNode
{
    internal OnnxNode(string name, string opType, string domain, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyDictionary<string, OnnxAttribute> attributes)
    {
        Name = name;
        OpType = opType;
        Domain = domain;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>The node's name; may be empty in the file (<see cref="ToString"/> then names it by its first output).</summary>
    public string Name { get; }

    public string OpType { get; }

    /// <summary>The operator set's domain; "" is the default ONNX domain (ai.onnx).</summary>
    public string Domain { get; }

    public IReadOnlyList<string> Inputs { get; }

    public IReadOnlyList<string> Outputs { get; }

    public IReadOnlyDictionary<string, OnnxAttribute> Attributes { get; }

    /// <summary>An int attribute, or <paramref name="fallback"/> when absent (the op's default).</summary>
    public long Int(string name, long fallback) => Get(name, OnnxAttributeType.Int)?.Int ?? fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    public float Float(string name, float fallback) => Get(name, OnnxAttributeType.Float)?.Float ?? fallback;

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    public string String(string name, string fallback) => Get(name, OnnxAttributeType.String)?.String ?? fallback;

    /// <summary>An ints attribute, or <paramref name="fallback"/> when absent.</summary>
    public IReadOnlyList<long> Ints(string name, IReadOnlyList<long> fallback) => Get(name, OnnxAttributeType.Ints)?.Ints ?? fallback;

    private OnnxAttribute? Get(string name, OnnxAttributeType type)
    {
        if (!Attributes.TryGetValue(name, out var attribute)) return null;
        if (attribute.Type != type)
            throw new OnnxFormatException($"onnx: node {this} attribute '{name}' is {attribute.Type}, expected {type}");
        return attribute;
    }

    /// <summary>"Conv 'conv1' → [x1]": op type, name and outputs, for messages.</summary>
    public override string ToString() =>
        $"{OpType} '{(Name.Length > 0 ? Name : "(unnamed)")}' → [{string.Join(", ", Outputs)}]";
}
