using System.Text.Json;
using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;
using DeepNet.Serialization;

namespace DeepNet.Tests.Training;

public class ModelFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deepnet-modelfiles-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Sequential SmallCnn(ulong seed) => new(
        new Conv2D(1, 4, kernelSize: 3, generator: new Generator(seed)), new Relu(), new MaxPool2D(2),
        new Flatten(), new Dense(4 * 3 * 3, 5, generator: new Generator(seed + 1)));

    [Fact]
    public void SaveThenLoad_RestoresEveryParameter()
    {
        string path = Path.Combine(_folder, "m.safetensors");
        using var saved = SmallCnn(1);
        using var loaded = SmallCnn(7);
        saved.Save(path);
        loaded.Load(path);
        foreach (var (name, tensor) in saved.StateDict())
            Assert.Equal(tensor.ToArray(), loaded.StateDict()[name].ToArray());
        using var other = new Sequential(new Dense(3, 3));
        Assert.Throws<ArgumentException>(() => other.Load(path));
    }

    [Fact]
    public void Architecture_ListsLayersWithSettingsAndOutputShapes()
    {
        using var model = SmallCnn(1);
        string path = Path.Combine(_folder, "sub", "m.json");
        ModelArchitecture.Write(path, model, [1, 8, 8], ["a", "b", "c", "d", "e"], "m.safetensors", "tiny");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal(ModelArchitecture.Format, root.GetProperty("format").GetString());
        Assert.Equal([1, 8, 8], root.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(5, root.GetProperty("class_names").GetArrayLength());
        Assert.Equal(model.ParameterCount, root.GetProperty("total_params").GetInt64());
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["Conv2D", "Relu", "MaxPool2D", "Flatten", "Dense"], layers.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal(4, layers[0].GetProperty("out_channels").GetInt32());
        Assert.Equal([3, 3], layers[0].GetProperty("kernel_size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([4, 6, 6], layers[0].GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([36], layers[3].GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(36, layers[4].GetProperty("in_features").GetInt32());
        Assert.Equal(185, layers[4].GetProperty("params").GetInt64());
    }
}
