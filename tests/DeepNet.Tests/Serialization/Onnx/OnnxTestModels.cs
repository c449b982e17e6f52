using DeepNet.Serialization.Onnx.Proto;
using Google.Protobuf;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>Small ONNX models built from the schema's classes, for the reader's tests.</summary>
internal static class OnnxTestModels
{
    public static TensorProto FloatRaw(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    public static TensorProto FloatTyped(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    public static TensorProto Int64Typed(string name, long[] dims, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    public static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static NodeProto Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>y = Relu(Gemm(x, W, b)) with W raw [2, 3], b typed [2] and a shape constant, opset 17.</summary>
    public static ModelProto Dense(long opset = 17)
    {
        var graph = new GraphProto { Name = "dense" };
        graph.Input.Add(Value("x", -1, 3));
        graph.Output.Add(Value("y", -1, 2));
        graph.Initializer.Add(FloatRaw("W", [2, 3], [1, 2, 3, 4, 5, 6]));
        graph.Initializer.Add(FloatTyped("b", [2], [0.5f, -0.5f]));
        graph.Initializer.Add(Int64Typed("shape", [2], [-1, 2]));
        graph.Node.Add(Node("Gemm", "fc", ["x", "W", "b"], ["h"], new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        graph.Node.Add(Node("Reshape", "reshape", ["h", "shape"], ["r"]));
        graph.Node.Add(Node("Relu", "relu", ["r"], ["y"]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "deepnet-tests", ProducerVersion = "1", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static string Write(ModelProto model, string directory, string name = "model.onnx")
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
