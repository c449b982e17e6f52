using System.Text;
using DeepNet.Serialization.Onnx.Proto;

namespace DeepNet.Serialization.Onnx;

/// <summary>
/// Turns a GraphProto into an <see cref="OnnxGraph"/>: decodes initializers and attributes, and
/// checks that names are unique and every node input is defined before it is read (the file's
/// topological order), which is also how a file cut at a field boundary is caught.
/// </summary>
internal sealed class OnnxGraphReader(string file, string? modelDirectory)
{
    public OnnxGraph Read(GraphProto proto, IReadOnlySet<string>? outerScope)
    {
        var initializers = new Dictionary<string, OnnxTensor>();
        foreach (var tensor in proto.Initializer)
        {
            if (tensor.Name.Length == 0) throw new OnnxFormatException($"onnx: '{file}' graph '{proto.Name}' has an initializer without a name");
            if (!initializers.TryAdd(tensor.Name, OnnxTensorReader.Read(tensor, file, modelDirectory)))
                throw new OnnxFormatException($"onnx: '{file}' tensor '{tensor.Name}' is defined twice");
        }

        if (proto.SparseInitializer.Count > 0)
            throw new OnnxFormatException($"onnx: '{file}' tensor '{proto.SparseInitializer[0].Values?.Name}' is a sparse initializer; sparse tensors are not supported");

        var defined = new HashSet<string>(outerScope ?? new HashSet<string>());
        defined.UnionWith(initializers.Keys);
        var inputs = new List<OnnxValueInfo>();
        foreach (var input in proto.Input)
        {
            defined.Add(input.Name);
            if (!initializers.ContainsKey(input.Name)) inputs.Add(ValueInfo(input));
        }

        var nodes = new List<OnnxNode>(proto.Node.Count);
        foreach (var node in proto.Node) nodes.Add(ReadNode(node, defined));
        foreach (var output in proto.Output)
        {
            if (!defined.Contains(output.Name))
                throw new OnnxFormatException($"onnx: '{file}' graph output '{output.Name}' is produced by no node (truncated or corrupt graph)");
        }

        return new OnnxGraph(proto.Name, nodes, initializers, inputs, proto.Output.Select(ValueInfo).ToList());
    }

    private OnnxNode ReadNode(NodeProto proto, HashSet<string> defined)
    {
        var placeholder = new OnnxNode(proto.Name, proto.OpType, proto.Domain, [], proto.Output.ToList(), new Dictionary<string, OnnxAttribute>());
        foreach (string input in proto.Input)
        {
            if (input.Length > 0 && !defined.Contains(input))
                throw new OnnxFormatException($"onnx: '{file}' node {placeholder} reads '{input}', which no graph input, initializer or earlier node defines");
        }

        var attributes = new Dictionary<string, OnnxAttribute>();
        foreach (var attribute in proto.Attribute)
        {
            if (!attributes.TryAdd(attribute.Name, ReadAttribute(attribute, placeholder, defined)))
                throw new OnnxFormatException($"onnx: '{file}' node {placeholder} has attribute '{attribute.Name}' twice");
        }

        foreach (string output in proto.Output.Where(o => o.Length > 0))
        {
            if (!defined.Add(output))
                throw new OnnxFormatException($"onnx: '{file}' node {placeholder} writes '{output}', which is already defined");
        }

        return new OnnxNode(proto.Name, proto.OpType, proto.Domain == "ai.onnx" ? "" : proto.Domain, proto.Input.ToList(), proto.Output.ToList(), attributes);
    }

    private OnnxAttribute ReadAttribute(AttributeProto proto, OnnxNode node, HashSet<string> scope)
    {
        var type = proto.Type switch
        {
            AttributeProto.Types.AttributeType.Float => OnnxAttributeType.Float,
            AttributeProto.Types.AttributeType.Int => OnnxAttributeType.Int,
            AttributeProto.Types.AttributeType.String => OnnxAttributeType.String,
            AttributeProto.Types.AttributeType.Tensor => OnnxAttributeType.Tensor,
            AttributeProto.Types.AttributeType.Graph => OnnxAttributeType.Graph,
            AttributeProto.Types.AttributeType.Floats => OnnxAttributeType.Floats,
            AttributeProto.Types.AttributeType.Ints => OnnxAttributeType.Ints,
            AttributeProto.Types.AttributeType.Strings => OnnxAttributeType.Strings,
            AttributeProto.Types.AttributeType.Tensors => OnnxAttributeType.Tensors,
            AttributeProto.Types.AttributeType.Graphs => OnnxAttributeType.Graphs,
            _ => throw new OnnxFormatException($"onnx: '{file}' node {node} attribute '{proto.Name}' has type {proto.Type}, which is not supported"),
        };
        return new OnnxAttribute(proto.Name, type)
        {
            Float = proto.F,
            Int = proto.I,
            String = Encoding.UTF8.GetString(proto.S.Span),
            Tensor = proto.T is null ? null : OnnxTensorReader.Read(proto.T, file, modelDirectory),
            Graph = proto.G is null ? null : Read(proto.G, scope),
            Floats = proto.Floats.ToArray(),
            Ints = proto.Ints.ToArray(),
            Strings = proto.Strings.Select(s => Encoding.UTF8.GetString(s.Span)).ToArray(),
            Tensors = proto.Tensors.Select(t => OnnxTensorReader.Read(t, file, modelDirectory)).ToArray(),
            Graphs = proto.Graphs.Select(g => Read(g, scope)).ToArray(),
        };
    }

    private static OnnxValueInfo ValueInfo(ValueInfoProto proto)
    {
        var tensorType = proto.Type?.TensorType;
        if (tensorType is null) return new OnnxValueInfo(proto.Name, OnnxElementType.Undefined, null);
        var dims = tensorType.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
            ? ((long?)d.DimValue, (string?)null)
            : (null, d.DimParam.Length > 0 ? d.DimParam : null)).ToList();
        return new OnnxValueInfo(proto.Name, (OnnxElementType)tensorType.ElemType, dims);
    }
}
