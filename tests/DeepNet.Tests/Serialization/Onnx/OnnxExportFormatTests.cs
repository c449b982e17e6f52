using DeepNet.Layers;
using DeepNet.Serialization.Onnx;
using DeepNet.Serialization.Onnx.Proto;
using DeepNet.Tensors;
using Microsoft.ML.OnnxRuntime;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;
using Tensor = DeepNet.Tensors.Tensor;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>What the exported file holds: opset, names, the symbolic batch dim, whole-layer nodes; the file entry point.</summary>
[Collection(EmulatorCollection.Name)]   // one test runs on the shared emulator
public sealed class OnnxExportFormatTests
{
    private static ModelProto Exported(Module model, Tensor sample) => ModelProto.Parser.ParseFrom(model.ExportOnnx(sample));

    private static Sequential Cnn() => new(
        new Conv2D(1, 4, 3, padding: 1, generator: new Generator(1)), new Relu(), new MaxPool2D(2), new AvgPool2D(2),
        new Flatten(), new Dense(4 * 2 * 2, 3, generator: new Generator(2)));

    [Fact]
    public void Export_WritesOpset17IrVersion8WithNamedInitializersAndASymbolicBatch()
    {
        using var model = Cnn();
        using var sample = Tensor.Randn([2, 1, 8, 8], new Generator(3));
        var proto = Exported(model, sample);
        Assert.Equal(8, proto.IrVersion);
        Assert.Equal(17, proto.OpsetImport.Single(o => o.Domain == "").Version);
        var input = proto.Graph.Input.Single();
        Assert.Equal("input", input.Name);
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal([1L, 8, 8], input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
        var output = proto.Graph.Output.Single();
        Assert.Equal("output", output.Name);
        Assert.Equal("batch", output.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(3, output.Type.TensorType.Shape.Dim[1].DimValue);
        var names = proto.Graph.Initializer.Select(i => i.Name).ToHashSet();
        Assert.Subset(names, new HashSet<string> { "0.weight", "0.bias", "5.weight", "5.bias" });
    }

    [Fact]
    public void Export_EmitsWholeLayerNodesForConvolutionPoolingAndEmbedding()
    {
        using var model = Cnn();
        using var sample = Tensor.Randn([2, 1, 8, 8], new Generator(3));
        var ops = Exported(model, sample).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Contains("Conv", ops);
        Assert.Contains("MaxPool", ops);
        Assert.Contains("AveragePool", ops);
        Assert.DoesNotContain("Slice", ops);   // no Im2Col fallback
        using var embedding = new Embedding(10, 4, new Generator(4));
        using var ids = Tensor.FromArray([1, 2, 3, 4, 5, 6], [2, 3]);
        var lookup = Exported(embedding, ids).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Contains("Gather", lookup);
        Assert.DoesNotContain("GatherElements", lookup);
    }

    [Fact]
    public void Norms_ExportAsLayerNormalizationAndBatchNormalization()
    {
        using var model = new Sequential(new BatchNorm1D(4), new Dense(4, 4, generator: new Generator(7)), new LayerNorm(4));
        using var sample = Tensor.Randn([2, 4], new Generator(8));
        var proto = Exported(model, sample);
        var ops = proto.Graph.Node.Select(n => n.OpType).ToList();
        Assert.Contains("BatchNormalization", ops);
        Assert.Contains("LayerNormalization", ops);
        Assert.DoesNotContain("Sqrt", ops);
        Assert.Subset(proto.Graph.Initializer.Select(i => i.Name).ToHashSet(),
            new HashSet<string> { "0.running_mean", "0.running_var", "0.weight", "2.weight", "2.bias" });
    }

    [Theory]
    [InlineData("lstm", "LSTM")]
    [InlineData("gru", "GRU")]
    [InlineData("rnn", "RNN")]
    public void RecurrentLayers_ExportAsOneOnnxNodePerLayer(string cell, string op)
    {
        Module model = cell switch
        {
            "lstm" => new Lstm(3, 4, 2, batchFirst: true, generator: new Generator(5)),
            "gru" => new Gru(3, 4, 2, batchFirst: true, generator: new Generator(5)),
            _ => new Rnn(3, 4, 2, batchFirst: true, generator: new Generator(5)),
        };
        using (model)
        using (var sample = Tensor.Randn([2, 6, 3], new Generator(6)))
        {
            var proto = Exported(model, sample);
            var ops = proto.Graph.Node.Select(n => n.OpType).ToList();
            Assert.Equal(2, ops.Count(o => o == op));
            Assert.DoesNotContain("Sigmoid", ops);   // not unrolled
            Assert.Contains("W_l1", proto.Graph.Initializer.Select(i => i.Name));
        }
    }

    [Fact]
    public void ExportToPath_WritesAFileOnnxRuntimeLoads_AndKeepsTheTrainingMode()
    {
        using var model = Cnn();
        model.Train();
        using var sample = Tensor.Randn([2, 1, 8, 8], new Generator(3));
        string dir = Path.Combine(Path.GetTempPath(), "deepnet-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "cnn.onnx");
            model.ExportOnnx(path, sample);
            Assert.True(model.IsTraining && model[2].IsTraining);
            using var session = new InferenceSession(path);
            model.Eval();
            using var y = model.Forward(sample);
            Testing.TensorAssert.Close(y.ToArray(), OnnxExportCheck.Run(session, sample), OnnxExportCheck.Abs, OnnxExportCheck.Rel);
            Assert.Single(Directory.GetFiles(dir));   // no temporary file left behind
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AModelOnTheGpuEmulator_ExportsLikeOnTheCpu()
    {
        using var model = new Sequential(new Dense(5, 4, generator: new Generator(9)), new Gelu(), new LayerNorm(4), new Dense(4, 2, generator: new Generator(10)));
        model.Eval();
        using var x = Tensor.Randn([3, 5], new Generator(11));
        using var cpuSession = new InferenceSession(model.ExportOnnx(x));
        var cpu = OnnxExportCheck.Run(cpuSession, x);
        model.To(Device.GpuEmulator);
        using var onDevice = x.To(Device.GpuEmulator);
        using var session = new InferenceSession(model.ExportOnnx(onDevice));
        Testing.TensorAssert.Close(cpu, OnnxExportCheck.Run(session, x), OnnxExportCheck.Abs, OnnxExportCheck.Rel);
    }

    [Fact]
    public void ExportToStream_WritesTheSameBytes()
    {
        using var model = Cnn();
        using var sample = Tensor.Randn([2, 1, 8, 8], new Generator(3));
        using var stream = new MemoryStream();
        model.ExportOnnx(stream, sample);
        Assert.Equal(model.ExportOnnx(sample), stream.ToArray());
    }
}
