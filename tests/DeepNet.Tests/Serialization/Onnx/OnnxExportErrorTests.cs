using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Serialization.Onnx;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>What cannot be exported fails with a message naming the op (and the module), and writes no file.</summary>
public sealed class OnnxExportErrorTests
{
    private static readonly Tensor Sample = Tensor.Randn([2, 4], new Generator(1)).DetachFromScope();

    private sealed class Custom(Func<Tensor, Tensor> forward) : Module
    {
        public override Tensor Forward(Tensor input) => forward(input);
    }

    [Fact]
    public void ALossInTheModel_IsRefusedNamingCrossEntropyAndTheModule()
    {
        using var model = new Sequential(new Dense(4, 3, generator: new Generator(2)), new Custom(x => x.CrossEntropy(x.Softmax(-1).Detach())));   // a target without a gradient of its own: the fused loss
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(Sample));
        Assert.Contains("CrossEntropy", e.Message);
        Assert.Contains("cross_entropy", e.Message);
        Assert.Contains("module 1 (Custom)", e.Message);
    }

    [Fact]
    public void AValueComputedOutsideTheGraph_IsRefused()
    {
        // ArgMax runs no recorded op: its indices would be baked in as a constant.
        using var model = new Custom(x => x * x.ArgMax(1, keepDim: true));
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(Sample));
        Assert.Contains("changes with the input", e.Message);
        Assert.Contains("ToCopyBackward", e.Message);   // the Int64 indices are cast to Float32 for the product
    }

    [Fact]
    public void ControlFlowOnTheBatchSize_IsRefused()
    {
        using var model = new Custom(x => x.Shape[0] > 2 ? x.Relu() : x.Tanh());
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(Sample));
        Assert.Contains("data-dependent control flow", e.Message);
    }

    [Fact]
    public void ARankThatFollowsTheBatchSize_IsRefused()
    {
        using var model = new Custom(x => x.Squeeze().Relu());
        using var one = Tensor.Randn([1, 4], new Generator(3));
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(one));
        Assert.Contains("rank follows the batch size", e.Message);
    }

    [Fact]
    public void AnInPlaceUpdateInTheForward_IsRefused()
    {
        using var model = new Custom(x =>
        {
            var y = x * 2f;
            using (GradMode.NoGrad()) y.MulInPlace(3f);
            return y;
        });
        var e = Assert.Throws<InvalidOperationException>(() => model.ExportOnnx(Sample));
        Assert.Contains("mul_", e.Message);
        Assert.Contains("ONNX", e.Message);
    }

    [Fact]
    public void AnOutputNotComputedFromTheInput_IsRefused()
    {
        using var model = new Custom(x => x.ArgMax(1));
        var e = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(Sample));
        Assert.Contains("not computed by recorded ops", e.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void ABatchDimOutsideTheSample_IsRefused(int batchDim)
    {
        using var model = new Relu();
        var e = Assert.Throws<ArgumentException>(() => model.ExportOnnx(Sample, batchDim));
        Assert.Contains("batch dim", e.Message);
    }

    [Fact]
    public void AnInt8QuantizedModel_IsRefusedNamingTheQuantizedOp()
    {
        using var model = new Sequential(new Dense(4, 3, generator: new Generator(4)));
        model.Eval();
        var quantized = DeepNet.Layers.Quantized.Quantization.Quantize(model, [Sample]);
        var e = Assert.Throws<InvalidOperationException>(() => quantized.ExportOnnx(Sample));
        Assert.Contains("quantized_linear", e.Message);
        Assert.Contains("ONNX", e.Message);
    }

    [Fact]
    public void ASampleNeitherValuesNorIds_IsRefused()
    {
        // Float32 values and Int64/Int32 token ids export (OnnxExportSampleModelTests); a Bool input does not.
        using var model = new Relu();
        using var flags = Tensor.FromArray(new[] { true, false, true, false }, [2, 2]);
        var e = Assert.Throws<ArgumentException>(() => model.ExportOnnx(flags));
        Assert.Contains("Bool", e.Message);
    }

    [Fact]
    public void AFailedExport_WritesNoFile()
    {
        using var model = new Custom(x => x.CrossEntropy(x.Softmax(-1).Detach()));
        string path = Path.Combine(Path.GetTempPath(), $"deepnet-onnx-{Guid.NewGuid():N}.onnx");
        Assert.Throws<OnnxExportException>(() => model.ExportOnnx(path, Sample));
        Assert.False(File.Exists(path));
    }
}
