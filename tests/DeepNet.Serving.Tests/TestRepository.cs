using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Serialization;
using DeepNet.Tensors;

namespace DeepNet.Serving.Tests;

/// <summary>
/// A model repository folder: "digits" versions 1 and 2 (the same [1, 6, 6] CNN shape, different
/// weights) and "sensor" version 1 (a [4] regressor); models are saved on demand for reload tests.
/// </summary>
public sealed class TestRepository : IDisposable
{
    public TestRepository()
    {
        Root = Directory.CreateTempSubdirectory("deepnet-repo-").FullName;
        Save("digits", "1", Cnn(seed: 1), [1, 6, 6], ModelTask.Classification);
        Save("digits", "2", Cnn(seed: 2), [1, 6, 6], ModelTask.Classification);
        Save("sensor", "1", new Sequential(new Dense(4, 8, generator: new Generator(3)), new Tanh(), new Dense(8, 2, generator: new Generator(4))), [4], ModelTask.Regression);
    }

    public string Root { get; }

    /// <summary>A small CNN classifier with weights from <paramref name="seed"/>.</summary>
    public static Sequential Cnn(int seed)
    {
        var g = new Generator((ulong)seed);
        return new Sequential(new Conv2D(1, 2, kernelSize: 3, generator: g), new Relu(), new MaxPool2D(2), new Flatten(), new Dense(8, 3, generator: g));
    }

    /// <summary>Writes <paramref name="model"/> as <c>name/version/model.safetensors</c> + model.json (disposing the model).</summary>
    public void Save(string name, string version, Sequential model, int[] shape, ModelTask task)
    {
        string folder = Path.Combine(Root, name, version);
        Directory.CreateDirectory(folder);
        string weights = Path.Combine(folder, "model.safetensors");
        using (model)
        {
            model.Save(weights);
            string[]? classes = task == ModelTask.Classification ? ["a", "b", "c"] : null;
            ModelArchitecture.Describe(model, shape, task, classes, null, "model.safetensors", name).Save(Path.Combine(folder, "model.json"));
        }
    }

    /// <summary>softmax(Cnn(seed)(x)) for [count, 1, 6, 6] inputs, row-major.</summary>
    public static float[] CnnProbabilities(int seed, float[] inputs, int count)
    {
        using var model = Cnn(seed);
        model.Eval();
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        return model.Forward(Tensor.FromArray(inputs, [count, 1, 6, 6])).Softmax(-1).ToArray();
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
