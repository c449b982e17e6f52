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
        var file = SafeTensorsReader.Read(path);   // the generic reader keeps the dtype
        Assert.Equal(DType.Int8, file["3.weight"].DType);
        Assert.Equal(((QuantizedDense)model[3]).Weight.Values, file["3.weight"].ToArray<sbyte>());
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
        Assert.Contains("'0.weight' is Float32 in the file but must be Int8", e.Message);
    }

    [Fact]
    public void StateDict_HoldsInt8CodesAndFloat32Scales_AsTensors()
    {
        using var model = Model(dynamic: false);
        var state = model.StateDict();
        var dense = (QuantizedDense)model[3];
        Assert.Equal(DType.Int8, state["3.weight"].DType);
        Assert.Equal([8, 36], state["3.weight"].Shape.ToArray());
        Assert.Equal(dense.Weight.Values, state["3.weight"].ToArray<sbyte>());
        Assert.Equal(DType.Float32, state["3.weight_scale"].DType);
        Assert.Equal(dense.Weight.Scales, state["3.weight_scale"].ToArray());
        Assert.Equal(DType.Float32, state["3.input_scale"].DType);
        Assert.Equal(0, state["3.input_scale"].Rank);
        Assert.Equal(DType.Int32, state["0.input_zero_point"].DType);
        Assert.Equal(dense.InputParams!.Value.ZeroPoint, state["3.input_zero_point"].ToArray<int>()[0]);
        Assert.Equal(DType.Int8, state["0.weight"].DType);
        Assert.Equal([4, 1, 3, 3], state["0.weight"].Shape.ToArray());
        Assert.Equal(DType.Float32, state["0.bias"].DType);
    }

    [Fact]
    public void LoadStateDict_RepacksTheKernels_SoOutputsFollowTheLoadedCodes()
    {
        using var model = Model(dynamic: false);
        using var other = new Sequential(new Conv2D(1, 4, 3, generator: new Generator(99), activation: Activation.Relu), new MaxPool2D(2), new Flatten(),
            new Dense(4 * 3 * 3, 8, generator: new Generator(98)), new Relu(), new Dense(8, 3, generator: new Generator(97)));
        using var calibration = Tensor.Rand([6, 1, 8, 8], new Generator(96));
        Quantization.Quantize(other, [calibration]);
        using var x = Tensor.Rand([2, 1, 8, 8], new Generator(13));
        Assert.NotEqual(Run(model, x), Run(other, x));
        other.LoadStateDict(model.StateDict());
        Assert.Equal(Run(model, x), Run(other, x));
        Assert.Equal(((QuantizedDense)model[3]).InputParams, ((QuantizedDense)other[3]).InputParams);
    }

    [Fact]
    public void LoadStateDict_RefusesAFloatCodeTensor_ACodeOfMinus128_AndABadScale_ChangingNothing()
    {
        using var model = Model(dynamic: true);
        using var x = Tensor.Rand([2, 1, 8, 8], new Generator(14));
        var before = Run(model, x);
        var state = model.StateDict();
        Dictionary<string, Tensor> With(string key, Tensor value) => state.ToDictionary(kv => kv.Key, kv => kv.Key == key ? value : kv.Value);

        using var asFloat = state["3.weight"].To(DType.Float32);
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(With("3.weight", asFloat)));
        Assert.Contains("'3.weight' is Float32 but this int8 layer stores it as Int8", e.Message);

        var codes = state["3.weight"].ToArray<sbyte>();
        codes[5] = sbyte.MinValue;
        using var withMin = Tensor.FromArray(codes, state["3.weight"].ShapeArray);
        Assert.Contains("code −128", Assert.Throws<ArgumentException>(() => model.LoadStateDict(With("3.weight", withMin))).Message);

        var scales = state["5.weight_scale"].ToArray();
        scales[1] = 0f;
        using var zero = Tensor.FromArray(scales, state["5.weight_scale"].ShapeArray);
        Assert.Contains("'5.weight_scale' holds 0", Assert.Throws<ArgumentException>(() => model.LoadStateDict(With("5.weight_scale", zero))).Message);
        Assert.Equal(before, Run(model, x));
    }

    [Fact]
    public void File_RoundTripsTheCodesBitForBit_AndAStaticFileIntoADynamicModelIsRefused()
    {
        using var model = Model(dynamic: false);
        string path = Path.Combine(_dir, "static.safetensors");
        model.Save(path);
        var file = SafeTensorsReader.Read(path).Arrays.ToDictionary(a => a.Name);
        foreach (var (name, tensor) in model.StateDict())
        {
            Assert.Equal(tensor.DType, file[name].DType);
            using var read = file[name].ToTensor();
            Assert.True(read.BitsEqual(tensor), $"'{name}' changed in the file");
        }
        using var dynamicModel = Model(dynamic: true);
        var e = Assert.Throws<ArgumentException>(() => dynamicModel.Load(path));
        Assert.Contains("static and dynamic activation quantization do not mix", e.Message);
    }
}
