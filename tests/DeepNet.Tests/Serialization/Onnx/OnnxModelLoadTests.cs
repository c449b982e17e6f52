using DeepNet.Serialization.Onnx;
using DeepNet.Serialization.Onnx.Proto;
using Google.Protobuf;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>OnnxModel.Load: graph, attributes, initializers from every storage form, and clear errors for bad files.</summary>
public sealed class OnnxModelLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deepnet-onnx-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Load_ReadsGraphNodesAttributesAndInitializers()
    {
        var model = OnnxModel.Load(OnnxTestModels.Write(OnnxTestModels.Dense(), _dir));
        Assert.Equal(17, model.Opset);
        Assert.Equal(8, model.IrVersion);
        Assert.Equal("deepnet-tests 1", model.Producer);
        Assert.Equal(["Gemm", "Reshape", "Relu"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(1, model.Graph.Nodes[0].Int("transB", 0));
        Assert.Equal(0, model.Graph.Nodes[0].Int("transA", 0));
        var input = Assert.Single(model.Graph.Inputs);
        Assert.Equal("[batch, 3]", input.ShapeText);
        Assert.Equal(OnnxElementType.Float, input.ElementType);
        Assert.Equal([1f, 2, 3, 4, 5, 6], model.Graph.Initializers["W"].Floats);
        Assert.Equal([2, 3], model.Graph.Initializers["W"].Shape);
        Assert.Equal([0.5f, -0.5f], model.Graph.Initializers["b"].Floats);
        Assert.Equal([-1L, 2], model.Graph.Initializers["shape"].Integers);
        Assert.Equal("fc", model.Graph.Producer("h")!.Name);
        Assert.Equal("reshape", Assert.Single(model.Graph.Consumers("h")).Name);
        Assert.Same(model.Graph.Initializers["shape"], model.Graph.Constant("shape"));
    }

    [Fact]
    public void Load_ReadsConstantNodeValues_AndHalfPrecisionFromInt32Data()
    {
        var proto = OnnxTestModels.Dense();
        var half = new TensorProto { Name = "c", DataType = (int)TensorProto.Types.DataType.Float16 };
        half.Dims.Add(2);
        half.Int32Data.AddRange([BitConverter.HalfToUInt16Bits((Half)1.5f), BitConverter.HalfToUInt16Bits((Half)(-2f))]);
        proto.Graph.Node.Insert(0, OnnxTestModels.Node("Constant", "const", [], ["cval"],
            new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = half }));
        var model = OnnxModel.Load(OnnxTestModels.Write(proto, _dir));
        var constant = model.Graph.Constant("cval")!;
        Assert.Equal(OnnxElementType.Float16, constant.ElementType);
        Assert.Equal([1.5f, -2f], constant.Floats);
        Assert.Null(model.Graph.Constant("h"));
    }

    [Fact]
    public void Load_ReadsExternalData_AtItsOffset()
    {
        var proto = OnnxTestModels.Dense();
        var w = proto.Graph.Initializer[0];
        byte[] data = [.. new byte[16], .. w.RawData.ToByteArray()];
        File.WriteAllBytes(Path.Combine(_dir, "weights.bin"), data);
        w.RawData = ByteString.Empty;
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "16" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "24" });
        var model = OnnxModel.Load(OnnxTestModels.Write(proto, _dir));
        Assert.Equal([1f, 2, 3, 4, 5, 6], model.Graph.Initializers["W"].Floats);
    }

    [Theory]
    [InlineData("missing.bin", "0", "does not exist")]
    [InlineData("../weights.bin", "0", "inside the model's folder")]
    [InlineData("weights.bin", "8", "runs past the end")]
    public void Load_BadExternalData_NamesTheTensor(string location, string offset, string expected)
    {
        var proto = OnnxTestModels.Dense();
        var w = proto.Graph.Initializer[0];
        File.WriteAllBytes(Path.Combine(_dir, "weights.bin"), w.RawData.ToByteArray());
        w.RawData = ByteString.Empty;
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(OnnxTestModels.Write(proto, _dir)));
        Assert.Contains("tensor 'W'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_TruncatedFile_IsAClearErrorNamingTheFile()
    {
        byte[] bytes = OnnxTestModels.Dense().ToByteArray();
        for (int cut = 1; cut < bytes.Length; cut += 7)
        {
            string path = Path.Combine(_dir, $"cut{cut}.onnx");
            File.WriteAllBytes(path, bytes[..cut]);
            var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void Load_GarbageBytes_IsAClearError()
    {
        string path = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(path, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x12, 0x34]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("not a valid ONNX model", e.Message);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(3)]
    public void Load_UnsupportedOpset_NamesIt(long opset)
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(OnnxTestModels.Write(OnnxTestModels.Dense(opset), _dir)));
        Assert.Contains($"opset {opset}", e.Message);
    }

    [Fact]
    public void Load_DataThatDoesNotFitTheDims_NamesTheTensor()
    {
        var proto = OnnxTestModels.Dense();
        proto.Graph.Initializer[1].FloatData.Add(9f);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(OnnxTestModels.Write(proto, _dir)));
        Assert.Contains("tensor 'b'", e.Message);
        Assert.Contains("needs 2 values", e.Message);
        proto = OnnxTestModels.Dense();
        proto.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[20]);
        e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(OnnxTestModels.Write(proto, _dir)));
        Assert.Contains("tensor 'W'", e.Message);
        Assert.Contains("needs 24 bytes", e.Message);
    }

    [Fact]
    public void Load_NodeReadingAnUndefinedValue_NamesTheNode()
    {
        var proto = OnnxTestModels.Dense();
        proto.Graph.Node[2].Input[0] = "nowhere";
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(OnnxTestModels.Write(proto, _dir)));
        Assert.Contains("Relu 'relu'", e.Message);
        Assert.Contains("'nowhere'", e.Message);
    }

    [Fact]
    public void Load_UnsupportedElementType_NamesTheTensor()
    {
        var proto = OnnxTestModels.Dense();
        proto.Graph.Initializer.Add(new TensorProto { Name = "s", DataType = (int)TensorProto.Types.DataType.String, StringData = { ByteString.CopyFromUtf8("a") }, Dims = { 1 } });
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(OnnxTestModels.Write(proto, _dir)));
        Assert.Contains("tensor 's'", e.Message);
        Assert.Contains("String", e.Message);
    }

    [Fact]
    public void Accessors_RefuseTheWrongKind_InsteadOfConverting()
    {
        var model = OnnxModel.Load(OnnxTestModels.Write(OnnxTestModels.Dense(), _dir));
        Assert.Contains("not a float32", Assert.Throws<OnnxFormatException>(() => model.Graph.Initializers["shape"].Floats).Message);
        Assert.Contains("not an integer", Assert.Throws<OnnxFormatException>(() => model.Graph.Initializers["W"].Integers).Message);
        Assert.Contains("expected Ints", Assert.Throws<OnnxFormatException>(() => model.Graph.Nodes[0].Ints("transB", [])).Message);
    }
}
