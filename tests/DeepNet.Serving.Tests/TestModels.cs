using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Serialization;
using DeepNet.Autograd;

namespace DeepNet.Serving.Tests;

/// <summary>A tiny CNN classifier and a normalized regressor saved (weights + architecture) to a temp folder, and direct model calls to compare with.</summary>
public sealed class TestModels : IDisposable
{
    public TestModels()
    {
        Folder = Directory.CreateTempSubdirectory("deepnet-serving-").FullName;
        var g = new Generator(11);
        Classifier = new Sequential(new Conv2D(1, 2, kernelSize: 3, generator: g), new Relu(), new MaxPool2D(2), new Flatten(), new Dense(8, 3, generator: g));
        ClassifierPath = Save(Classifier, "classifier", [1, 6, 6], ModelTask.Classification, ["cat", "dog", "owl"], null);
        Regressor = new Sequential(new Dense(4, 8, generator: g), new Tanh(), new Dense(8, 2, generator: g));
        Normalization = new InputNormalization([1f, -2f, 0.5f, 10f], [2f, 0.5f, 1f, 4f]);
        RegressorPath = Save(Regressor, "regressor", [4], ModelTask.Regression, null, Normalization);
    }

    public string Folder { get; }
    public Sequential Classifier { get; }
    public string ClassifierPath { get; }
    public Sequential Regressor { get; }
    public InputNormalization Normalization { get; }
    public string RegressorPath { get; }

    private string Save(Sequential model, string name, int[] shape, ModelTask task, string[]? classes, InputNormalization? norm)
    {
        string weights = Path.Combine(Folder, name + ".safetensors");
        model.Save(weights);
        ModelArchitecture.Describe(model, shape, task, classes, norm, name + ".safetensors", name).Save(Path.ChangeExtension(weights, ".json"));
        model.Eval();
        return weights;
    }

    /// <summary>softmax(classifier(x)) per instance, x: [N, 1, 6, 6] row-major.</summary>
    public float[][] ClassifierProbabilities(float[] inputs, int count) => Direct(Classifier, inputs, [count, 1, 6, 6], softmax: true);

    /// <summary>regressor((x − mean) / std) per instance.</summary>
    public float[][] RegressorValues(float[] inputs, int count)
    {
        var normalized = (float[])inputs.Clone();
        Normalization.Apply(normalized);
        return Direct(Regressor, normalized, [count, 4], softmax: false);
    }

    private static float[][] Direct(Sequential model, float[] inputs, int[] shape, bool softmax)
    {
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        var y = model.Forward(Tensor.FromArray(inputs, shape));
        if (softmax) y = y.Softmax(-1);
        float[] flat = y.ToArray();
        int width = y.Shape[1];
        return Enumerable.Range(0, shape[0]).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
    }

    public void Dispose()
    {
        Classifier.Dispose();
        Regressor.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
