using DeepNet.Serialization.Onnx.Proto;
using Google.Protobuf;

namespace DeepNet.Serialization.Onnx;

/// <summary>
/// An ONNX model read from a file (<see cref="Load"/>): IR version, producer, the operator sets it
/// imports and its graph with decoded initializers. Everything is validated before it is returned
/// (protobuf well-formed, opset supported, tensor data sized to its dims, external data present,
/// every node input defined); any problem is an <see cref="OnnxFormatException"/> naming the file
/// and the node or tensor. Importers (<see cref="ResNetOnnxImporter"/>, <see cref="BertOnnxImporter"/>)
/// build DeepNet modules from it.
/// </summary>
public sealed class OnnxModel
{
    /// <summary>Oldest default-domain opset read (ONNX Runtime's own floor).</summary>
    public const long MinOpset = 7;

    /// <summary>Newest default-domain opset read; importers still check each op they map.</summary>
    public const long MaxOpset = 24;

    private OnnxModel(string file, long irVersion, string producer, IReadOnlyDictionary<string, long> opsets, OnnxGraph graph)
    {
        File = file;
        IrVersion = irVersion;
        Producer = producer;
        Opsets = opsets;
        Graph = graph;
    }

    /// <summary>The path the model was read from (or the name given to <see cref="Parse"/>).</summary>
    public string File { get; }

    public long IrVersion { get; }

    /// <summary>Producer name and version, e.g. "pytorch 2.1.0" or "CNTK 2.7".</summary>
    public string Producer { get; }

    /// <summary>Operator set versions by domain; "" is the default ONNX domain.</summary>
    public IReadOnlyDictionary<string, long> Opsets { get; }

    /// <summary>The default-domain opset version.</summary>
    public long Opset => Opsets[""];

    public OnnxGraph Graph { get; }

    /// <summary>Reads and validates the .onnx file at <paramref name="path"/> (external-data files are read from its folder).</summary>
    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"onnx: model file '{path}' does not exist", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > Array.MaxLength)
            throw new OnnxFormatException($"onnx: '{path}' is {stream.Length} bytes; models over {Array.MaxLength} bytes must keep their weights as external data");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Parse(bytes, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>
    /// Validates and decodes a model held in memory; <paramref name="name"/> is used in messages and
    /// <paramref name="externalDataDirectory"/> is where external-data files are looked up (null: none allowed).
    /// </summary>
    public static OnnxModel Parse(byte[] bytes, string name, string? externalDataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw new OnnxFormatException($"onnx: '{name}' is empty");
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"onnx: '{name}' is not a valid ONNX model (corrupt or truncated protobuf: {e.Message})", e);
        }

        if (proto.Graph is null) throw new OnnxFormatException($"onnx: '{name}' has no graph (not an ONNX model, or truncated)");
        var opsets = ReadOpsets(proto, name);
        var graph = new OnnxGraphReader(name, externalDataDirectory).Read(proto.Graph, outerScope: null);
        string producer = (proto.ProducerName + " " + proto.ProducerVersion).Trim();
        return new OnnxModel(name, proto.IrVersion, producer, opsets, graph);
    }

    private static Dictionary<string, long> ReadOpsets(ModelProto proto, string name)
    {
        var opsets = new Dictionary<string, long>();
        foreach (var opset in proto.OpsetImport)
        {
            string domain = opset.Domain == "ai.onnx" ? "" : opset.Domain;
            if (!opsets.TryAdd(domain, opset.Version))
                throw new OnnxFormatException($"onnx: '{name}' imports domain '{domain}' twice");
        }

        if (!opsets.TryGetValue("", out long version))
            throw new OnnxFormatException($"onnx: '{name}' imports no default-domain opset (IR version {proto.IrVersion}; truncated or not an ONNX model)");
        if (version < MinOpset || version > MaxOpset)
            throw new OnnxFormatException($"onnx: '{name}' uses opset {version}; supported opsets are {MinOpset} to {MaxOpset}");
        return opsets;
    }

    public override string ToString() =>
        $"ONNX model '{File}' (IR {IrVersion}, opset {Opset}, {Producer}): {Graph.Nodes.Count} nodes, {Graph.Initializers.Count} initializers";
}
