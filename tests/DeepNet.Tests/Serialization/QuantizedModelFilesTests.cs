using System.Text.Json;
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Quantized;
using DeepNet.Serialization;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Serialization;

/// <summary>
/// A quantized model saved as safetensors keeps its int8 codes (I8), scales (F32) and static input
/// quantization; the architecture file names the quantized layer types, and a model built from
/// both computes exactly what the saved one did.
/// </summary>
public sealed class QuantizedModelFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deepnet-int8-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential Model(bool dynamic)
    {
        var g = new Generator(11);
        var model = new Sequential(new Conv2D(1, 4, 3, generator: g, activation: Activation.Relu), new MaxPool2D(2), new Flatten(),
            new Dense(4 * 3 * 3, 8, generator: g), new Relu(), new Dense(8, 3, generator: g));
        using var calibration = Tensor.Rand([6, 1, 8, 8], new Generator(12));
        Quantization.Quantize(model, [calibration], new QuantizationOptions { Dynamic = dynamic });
        return model;
    }

    private static float[] Run(Module model, Tensor x)
    {
        using var noGrad = GradMode.NoGrad();
        using var y = model.Call(x);
        return y.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SaveThenBuildWithWeights_ComputesTheSameOutputs(bool dynamic)
    {
        using var model = Model(dynamic);
        string weights = Path.Combine(_dir, "model.safetensors"), architecture = Path.Combine(_dir, "model.json");
        model.Save(weights);
        ModelArchitecture.Write(architecture, model, [1, 8, 8], classNames: ["a", "b", "c"], weightsFile: "model.safetensors");
        using var loaded = ModelArchitecture.Load(architecture).BuildWithWeights(weights);
        Assert.IsType<QuantizedConv2D>(loaded[0]);
        var dense = Assert.IsType<QuantizedDense>(loaded[3]);
        Assert.Equal(((QuantizedDense)model[3]).Weight.Values, dense.Weight.Values);
        Assert.Equal(((QuantizedDense)model[3]).InputParams, dense.InputParams);
        using var x = Tensor.Rand([5, 1, 8, 8], new Generator(13));
        Assert.Equal(Run(model, x), Run(loaded, x));
    }

    [Fact]
    public void File_StoresI8CodesAndF32Scales()
    {
        using var model = Model(dynamic: false);
        string path = Path.Combine(_dir, "q.safetensors");
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var root = header.RootElement;
        Assert.Equal("I8", root.GetProperty("3.weight").GetProperty("dtype").GetString());
        Assert.Equal("F32", root.GetProperty("3.weight_scale").GetProperty("dtype").GetString());
        Assert.Equal("F32", root.GetProperty("3.bias").GetProperty("dtype").GetString());
        Assert.Equal("I32", root.GetProperty("0.input_zero_point").GetProperty("dtype").GetString());
        Assert.Equal("int8", root.GetProperty("__metadata__").GetProperty("deepnet.quantization").GetString());
        Assert.True(File.Exists(path + ".sha256"));
        var file = SafeTensorsReader.Read(path);   // the generic reader reads it (I8 → exact floats)
        Assert.All(file["3.weight"].Data, v => Assert.Equal(MathF.Round(v), v));
    }

    [Fact]
    public void Load_OfAFloatFileIntoAQuantizedModel_NamesTheMissingEntry()
    {
        var g = new Generator(1);
        using var floatModel = new Sequential(new Dense(4, 2, generator: g));
        string path = Path.Combine(_dir, "float.safetensors");
        floatModel.Save(path);
        using var quantized = new Sequential(new Dense(4, 2, generator: g));
        Quantization.Quantize(quantized, null, new QuantizationOptions { Dynamic = true });
        var e = Assert.Throws<ArgumentException>(() => quantized.Load(path));
        Assert.Contains("'0.weight_scale'", e.Message);
    }
}
