namespace DeepNet.Serialization.Onnx;

/// <summary>The kinds of value a node attribute holds (AttributeProto.AttributeType).</summary>
public enum OnnxAttributeType
{
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
}

/// <summary>One node attribute: its name, type and the one value field that type uses.</summary>
public sealed class OnnxAttribute
{
    internal OnnxAttribute(string name, OnnxAttributeType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }

    public OnnxAttributeType Type { get; }

    public float Float { get; internal init; }

    public long Int { get; internal init; }

    public string String { get; internal init; } = "";

    public OnnxTensor? Tensor { get; internal init; }

    public OnnxGraph? Graph { get; internal init; }

    public IReadOnlyList<float> Floats { get; internal init; } = [];

    public IReadOnlyList<long> Ints { get; internal init; } = [];

    public IReadOnlyList<string> Strings { get; internal init; } = [];

    public IReadOnlyList<OnnxTensor> Tensors { get; internal init; } = [];

    public IReadOnlyList<OnnxGraph> Graphs { get; internal init; } = [];
}
