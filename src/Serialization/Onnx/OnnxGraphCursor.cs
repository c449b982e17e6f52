namespace DeepNet.Serialization.Onnx;

/// <summary>
/// The graph-walking steps importers share: follow a value to the node that reads it, check a
/// node's op type, attributes and constant inputs, and fail with a message naming the file and node.
/// </summary>
internal sealed class OnnxGraphCursor(OnnxModel model, string architecture)
{
    public OnnxGraph Graph => model.Graph;

    public OnnxFormatException Fail(OnnxNode? node, string message) =>
        new($"onnx: '{model.File}' is not a {architecture} graph: {(node is null ? "" : $"node {node}: ")}{message}");

    /// <summary>The nodes reading <paramref name="value"/>'s elements: Shape nodes, which read only its dims, are left out.</summary>
    public IReadOnlyList<OnnxNode> Readers(string value) => Graph.Consumers(value).Where(n => n.OpType != "Shape").ToList();

    /// <summary>The only node reading <paramref name="value"/> (<see cref="Readers"/>), which must be <paramref name="opType"/>.</summary>
    public OnnxNode Next(string value, string opType, OnnxNode? from = null)
    {
        var consumers = Readers(value);
        if (consumers.Count != 1 || consumers[0].OpType != opType)
            throw Fail(from, $"expected its output '{value}' to feed one {opType}, found [{string.Join(", ", consumers)}]");
        return Expect(consumers[0], opType);
    }

    /// <summary>Checks op type and domain.</summary>
    public OnnxNode Expect(OnnxNode node, string opType)
    {
        if (node.OpType != opType || node.Domain.Length > 0)
            throw Fail(node, $"expected a default-domain {opType}");
        return node;
    }

    /// <summary>The constant (initializer or Constant node) at input <paramref name="index"/>, with the dims the architecture needs.</summary>
    public OnnxTensor Constant(OnnxNode node, int index, params long[] dims)
    {
        if (index >= node.Inputs.Count || node.Inputs[index].Length == 0)
            throw Fail(node, $"input {index} is missing");
        var tensor = Graph.Constant(node.Inputs[index]) ?? throw Fail(node, $"input {index} '{node.Inputs[index]}' must be a constant (an initializer)");
        if (!tensor.IsFloat) throw Fail(node, $"tensor '{tensor.Name}' is {tensor.ElementType}, expected float");
        if (dims.Length > 0 && !tensor.Dims.SequenceEqual(dims))
            throw Fail(node, $"tensor '{tensor.Name}' has shape {tensor.ShapeText}, the architecture needs [{string.Join(", ", dims)}]");
        return tensor;
    }

    /// <summary>The input of a binary node that is not <paramref name="known"/>.</summary>
    public string Other(OnnxNode node, string known)
    {
        if (node.Inputs.Count != 2 || (node.Inputs[0] != known && node.Inputs[1] != known))
            throw Fail(node, $"expected two inputs, one of them '{known}'");
        return node.Inputs[0] == known ? node.Inputs[1] : node.Inputs[0];
    }

    /// <summary>A scalar (one-element) float constant at the input of <paramref name="node"/> that is not <paramref name="known"/>.</summary>
    public float ScalarOperand(OnnxNode node, string known)
    {
        var tensor = Graph.Constant(Other(node, known));
        if (tensor is null || !tensor.IsFloat || tensor.ElementCount != 1)
            throw Fail(node, "expected a scalar float constant operand");
        return tensor.Floats[0];
    }

    /// <summary>Requires an ints attribute to equal <paramref name="expected"/> (or be absent when its default equals it).</summary>
    public void RequireInts(OnnxNode node, string name, IReadOnlyList<long> fallback, params long[] expected)
    {
        var actual = node.Ints(name, fallback);
        if (!actual.SequenceEqual(expected))
            throw Fail(node, $"{name} is [{string.Join(", ", actual)}], the architecture needs [{string.Join(", ", expected)}]");
    }

    public void RequireInt(OnnxNode node, string name, long fallback, long expected)
    {
        long actual = node.Int(name, fallback);
        if (actual != expected) throw Fail(node, $"{name} is {actual}, the architecture needs {expected}");
    }
}
