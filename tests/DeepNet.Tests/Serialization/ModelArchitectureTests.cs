using System.Text.Json.Nodes;
using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;
using DeepNet.Serialization;
using DeepNet.Autograd;

namespace DeepNet.Tests.Serialization;

public sealed class ModelArchitectureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deepnet-architecture-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Sequential SmallCnn(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(
            new Conv2D(1, 4, kernelSize: 3, padding: 1, generator: g), new BatchNorm2D(4), new Relu(), new MaxPool2D(2),
            new Conv2D(4, 6, (3, 2), (1, 1), (0, 0), (1, 1), bias: false, generator: g), new AvgPool2D(2, stride: 1), new Flatten(),
            new Dropout(0.25f), new Dense(6 * 1 * 2, 8, generator: g), new LayerNorm(8), new LeakyRelu(0.2f), new Gelu(),
            new Dense(8, 5, bias: false, generator: g), new Tanh(), new Sigmoid(), new Softmax(-1));
    }

    private static float[] Run(Module model, float[] input, int[] shape)
    {
        using var noGrad = GradMode.NoGrad();
        using var x = Tensor.FromArray(input, shape);
        using var y = model.Forward(x);
        return y.ToArray();
    }

    [Fact]
    public void SaveThenLoad_BuildsTheSameModel()
    {
        using var model = SmallCnn(3);
        model.Eval();
        var doc = ModelArchitecture.Describe(model, [1, 8, 8], ModelTask.Classification, ["a", "b", "c", "d", "e"], weightsFile: "m.safetensors", name: "tiny");
        string json = Path.Combine(_folder, "sub", "m.json"), weights = Path.Combine(_folder, "sub", "m.safetensors");
        doc.Save(json);
        SafeTensorsWriter.Write(weights, model.StateDict().Select(kv => new NamedArray(kv.Key, kv.Value.Shape.ToArray(), kv.Value.ToArray())));

        var loaded = ModelArchitecture.Load(json);
        Assert.Equal(ModelTask.Classification, loaded.Task);
        Assert.Equal([1, 8, 8], loaded.InputShape);
        Assert.Equal(["a", "b", "c", "d", "e"], loaded.ClassNames!);
        Assert.Equal("m.safetensors", loaded.WeightsFile);
        Assert.Equal(model.Count, loaded.Layers.Count);
        Assert.Equal(doc.ToJson(), loaded.ToJson());
        using var rebuilt = loaded.BuildWithWeights(weights);
        Assert.Equal(model.ToString(), rebuilt.ToString());
        float[] input = Enumerable.Range(0, 2 * 64).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        Assert.Equal(Run(model, input, [2, 1, 8, 8]), Run(rebuilt, input, [2, 1, 8, 8]));
    }

    [Fact]
    public void Activations_RoundTrip_AndIdentityIsOmitted()
    {
        var g = new Generator(5);
        using var model = new Sequential(
            new Conv2D(1, 3, kernelSize: 3, generator: g, activation: Activation.Relu), new Flatten(),
            new Dense(3 * 4 * 4, 6, generator: g, activation: Activation.Gelu),
            new Dense(6, 4, bias: false, generator: g, activation: Activation.Sigmoid), new Dense(4, 2, generator: g));
        string json = ModelArchitecture.Describe(model, [1, 6, 6], ModelTask.Regression).ToJson();
        var layers = JsonNode.Parse(json)!["layers"]!.AsArray();
        Assert.Equal("relu", (string?)layers[0]!["activation"]);
        Assert.Equal("gelu", (string?)layers[2]!["activation"]);
        Assert.Equal("sigmoid", (string?)layers[3]!["activation"]);
        Assert.False(layers[4]!.AsObject().ContainsKey("activation"));

        using var rebuilt = (Sequential)ModelArchitecture.Parse(json).Build();
        Assert.Equal([Activation.Relu, Activation.Gelu, Activation.Sigmoid, Activation.Identity],
            new[] { 0, 2, 3, 4 }.Select(i => rebuilt[i] switch { Conv2D c => c.Activation, Dense d => d.Activation, _ => throw new InvalidOperationException() }));
        rebuilt.LoadStateDict(model.StateDict());
        float[] input = Enumerable.Range(0, 2 * 36).Select(i => MathF.Cos(i * 0.41f)).ToArray();
        Assert.Equal(Run(model, input, [2, 1, 6, 6]), Run(rebuilt, input, [2, 1, 6, 6]));
    }

    [Fact]
    public void Describe_RecordsArgumentsParamsAndOutputShapes()
    {
        using var model = SmallCnn(1);
        var root = JsonNode.Parse(ModelArchitecture.Describe(model, [1, 8, 8], ModelTask.Classification).ToJson())!;
        Assert.Equal(ModelArchitecture.Format, (string?)root["format"]);
        Assert.Equal("classification", (string?)root["task"]);
        var layers = root["layers"]!.AsArray();
        Assert.Equal("Conv2D", (string?)layers[0]!["type"]);
        Assert.Equal("[3,3]", layers[0]!["kernel_size"]!.ToJsonString());
        Assert.Equal("[4,8,8]", layers[0]!["output_shape"]!.ToJsonString());
        Assert.Equal(40L, (long)layers[0]!["params"]!);
        Assert.False((bool)layers[4]!["bias"]!);
        Assert.Equal(4, (int)layers[1]!["num_features"]!);
        Assert.Equal(0.2f, (float)layers[10]!["negative_slope"]!);
    }

    [Fact]
    public void Regression_KeepsNormalization()
    {
        using var model = new Sequential(new Dense(3, 4), new Relu(), new Dense(4, 1));
        var norm = new InputNormalization([1f, 2f, 3f], [0.5f, 1f, 2f]);
        var loaded = ModelArchitecture.Parse(ModelArchitecture.Describe(model, [3], ModelTask.Regression, normalization: norm).ToJson());
        Assert.Equal(ModelTask.Regression, loaded.Task);
        Assert.Equal(norm.Mean, loaded.Normalization!.Mean);
        Assert.Equal(norm.Std, loaded.Normalization.Std);
        Assert.Null(loaded.ClassNames);
        float[] row = [2f, 2f, 7f];
        loaded.Normalization.Apply(row);
        Assert.Equal([2f, 0f, 2f], row);
    }

    [Fact]
    public void Write_WithoutClassNames_IsARegressor()
    {
        string path = Path.Combine(_folder, "r.json");
        using var model = new Sequential(new Dense(2, 1));
        ModelArchitecture.Write(path, model, [2]);
        Assert.Equal(ModelTask.Regression, ModelArchitecture.Load(path).Task);
        Assert.Throws<ArgumentException>(() => ModelArchitecture.Write(path, new Dense(2, 1), [2]));
    }

    public static TheoryData<string, string> BadDocuments => new()
    {
        { "{ not json", "not valid JSON" },
        { "[1, 2]", "must be a JSON object" },
        { """{"input_shape": [3], "layers": [{"type": "Relu"}]}""", "missing required field 'format'" },
        { """{"format": "deepnet-architecture/9", "input_shape": [3], "layers": [{"type": "Relu"}]}""", "unsupported format" },
        { """{"format": "deepnet-architecture/1", "layers": [{"type": "Relu"}]}""", "missing required field 'input_shape'" },
        { """{"format": "deepnet-architecture/1", "input_shape": [3]}""", "missing required field 'layers'" },
        { """{"format": "deepnet-architecture/1", "input_shape": [0], "layers": [{"type": "Relu"}]}""", "must be non-empty and positive" },
        { """{"format": "deepnet-architecture/1", "input_shape": ["x"], "layers": [{"type": "Relu"}]}""", "'input_shape' must hold integers" },
        { """{"format": "deepnet-architecture/1", "input_shape": [3], "layers": []}""", "'layers' is empty" },
        { """{"format": "deepnet-architecture/1", "input_shape": [3], "layers": [{"in": 3}]}""", "layer 0 is missing its 'type'" },
        { """{"format": "deepnet-architecture/1", "input_shape": [3], "task": "ranking", "layers": [{"type": "Relu"}]}""", "'task' must be" },
        { """{"format": "deepnet-architecture/1", "input_shape": [3], "task": "regression", "class_names": ["a"], "layers": [{"type": "Relu"}]}""", "class_names are only" },
        { """{"format": "deepnet-architecture/1", "input_shape": [2], "normalization": {"mean": [0, 0], "std": [1, 0]}, "layers": [{"type": "Relu"}]}""", "stds finite and positive" },
        { """{"format": "deepnet-architecture/1", "input_shape": [2], "normalization": {"mean": [0], "std": [1]}, "layers": [{"type": "Relu"}]}""", "1 means and 1 stds" },
    };

    [Theory]
    [MemberData(nameof(BadDocuments))]
    public void Parse_RejectsBadDocuments_NamingTheProblem(string json, string expected)
    {
        var e = Assert.Throws<ModelArchitectureException>(() => ModelArchitecture.Parse(json));
        Assert.Contains(expected, e.Message);
    }

    public static TheoryData<string, string> BadLayers => new()
    {
        { """{"type": "Transformer9000"}""", "layer 1: unknown layer type 'Transformer9000' (known: AvgPool2D" },
        { """{"type": "Dense", "in_features": 3}""", "layer 1 (Dense): missing 'out_features'" },
        { """{"type": "Dense", "in_features": 3, "out_features": "four"}""", "layer 1 (Dense): 'out_features' must be an integer" },
        { """{"type": "Dense", "in_features": 3, "out_features": 0}""", "layer 1 (Dense): dense: feature counts must be positive" },
        { """{"type": "Conv2D", "in_channels": 1, "out_channels": 2, "kernel_size": [3, 3, 3]}""", "'kernel_size' must be [h, w]" },
        { """{"type": "Dropout", "p": true}""", "'p' must be a finite number" },
        { """{"type": "Dense", "in_features": 3, "out_features": 2, "bias": 1}""", "'bias' must be true or false" },
        { """{"type": "Dense", "in_features": 3, "out_features": 2, "activation": "swish"}""", "'activation' must be one of \"identity\", \"relu\"" },
        { """{"type": "Conv2D", "in_channels": 1, "out_channels": 2, "kernel_size": 3, "activation": "1"}""", "'activation' must be one of" },
    };

    [Theory]
    [MemberData(nameof(BadLayers))]
    public void Build_RejectsBadLayers_NamingTheLayer(string layer, string expected)
    {
        var doc = ModelArchitecture.Parse($$"""{"format": "deepnet-architecture/1", "input_shape": [3], "layers": [{"type": "Relu"}, {{layer}}]}""");
        var e = Assert.Throws<ModelArchitectureException>(() => doc.Build());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_NamesTheFile_AndRejectsWeightsThatDoNotFit()
    {
        string missing = Path.Combine(_folder, "none.json");
        Assert.Contains("cannot read", Assert.Throws<ModelArchitectureException>(() => ModelArchitecture.Load(missing)).Message);
        string bad = Path.Combine(_folder, "bad.json");
        File.WriteAllText(bad, "{");
        Assert.Contains("bad.json", Assert.Throws<ModelArchitectureException>(() => ModelArchitecture.Load(bad)).Message);

        using var model = new Sequential(new Dense(3, 2));
        string weights = Path.Combine(_folder, "w.safetensors");
        SafeTensorsWriter.Write(weights, model.StateDict().Select(kv => new NamedArray(kv.Key, kv.Value.Shape.ToArray(), kv.Value.ToArray())));
        var other = ModelArchitecture.Parse("""{"format": "deepnet-architecture/1", "input_shape": [4], "layers": [{"type": "Dense", "in_features": 4, "out_features": 2}]}""");
        Assert.Contains("do not fit the architecture", Assert.Throws<ModelArchitectureException>(() => other.BuildWithWeights(weights)).Message);
    }
}
