using System.Globalization;
using DeepNet.Data;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;

namespace DeepNet.LoadTest;

/// <summary>
/// Writes the two models the load test serves, each as model.safetensors + model.json: the MnistCnn
/// sample's CNN (trained weights from a MnistCnn checkpoint when given, else random weights of the
/// same architecture) and a Boston-housing regression MLP (trained here in a few seconds when the
/// dataset is available, else random weights).
/// </summary>
public static class DemoModels
{
    /// <summary>Writes DIR/mnist-cnn/ and DIR/regression/; prints where the weights came from.</summary>
    public static int Write(string outDir, string? mnistWeights, string? dataDir)
    {
        using (var cnn = MnistCnn())
        {
            string source = "random weights (seed 42)";
            if (mnistWeights is not null)
            {
                cnn.Load(mnistWeights);
                source = $"weights from {mnistWeights}";
            }
            string classes = Path.Combine(outDir, "mnist-cnn");
            Save(cnn, classes, ModelArchitecture.Describe(cnn, [1, 28, 28], ModelTask.Classification,
                Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), weightsFile: "model.safetensors", name: "mnist-cnn"));
            Console.WriteLine($"mnist-cnn: {cnn.ParameterCount:N0} parameters, {source}");
        }
        using var mlp = new Sequential(new Dense(13, 64, generator: new Generator(7)), new Relu(), new Dense(64, 64, generator: new Generator(8)), new Relu(),
            new Dense(64, 1, generator: new Generator(9)));
        InputNormalization normalization;
        try
        {
            normalization = TrainOnBostonHousing(mlp, BostonHousing.Load(dataDir));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException or InvalidOperationException)
        {
            normalization = new InputNormalization(new float[13], Enumerable.Repeat(1f, 13).ToArray());
            Console.WriteLine($"regression: random weights (Boston housing not available: {e.Message})");
        }
        Save(mlp, Path.Combine(outDir, "regression"), ModelArchitecture.Describe(mlp, [13], ModelTask.Regression,
            normalization: normalization, weightsFile: "model.safetensors", name: "boston-housing-mlp"));
        return 0;
    }

    private static Sequential MnistCnn() => new(
        new Conv2D(1, 32, kernelSize: 3, generator: new Generator(42)), new Relu(), new MaxPool2D(2),
        new Conv2D(32, 64, kernelSize: 3, generator: new Generator(43)), new Relu(), new MaxPool2D(2),
        new Conv2D(64, 64, kernelSize: 3, generator: new Generator(44)), new Relu(),
        new Flatten(),
        new Dense(64 * 3 * 3, 64, generator: new Generator(45)), new Relu(),
        new Dense(64, 10, generator: new Generator(46)));

    private static void Save(Sequential model, string folder, ModelArchitecture architecture)
    {
        Directory.CreateDirectory(folder);
        model.Save(Path.Combine(folder, "model.safetensors"));
        architecture.Save(Path.Combine(folder, "model.json"));
    }

    // Full-batch Adam on standardized features; the normalization goes into model.json for the server.
    private static InputNormalization TrainOnBostonHousing(Sequential mlp, BostonHousing data)
    {
        int n = data.Count, f = BostonHousing.FeatureCount;
        var mean = new float[f];
        var std = new float[f];
        for (int j = 0; j < f; j++)
        {
            double m = Enumerable.Range(0, n).Average(i => data.Features[i * f + j]);
            double v = Enumerable.Range(0, n).Average(i => Math.Pow(data.Features[i * f + j] - m, 2));
            (mean[j], std[j]) = ((float)m, (float)Math.Max(Math.Sqrt(v), 1e-6));
        }
        var normalization = new InputNormalization(mean, std);
        float[] features = (float[])data.Features.Clone();
        normalization.Apply(features);
        using var x = Tensor.FromArray(features, [n, f]).DetachFromScope();
        using var y = Tensor.FromArray(data.Targets, [n, 1]).DetachFromScope();
        using var optimizer = new Adam(mlp.Parameters(), 1e-2);
        var loss = new MseLoss();
        float last = float.NaN;
        for (int step = 0; step < 300; step++)
        {
            using var scope = new DisposeScope();
            optimizer.ZeroGrad();
            var value = loss.Call(mlp.Forward(x), y);
            value.Backward();
            optimizer.Step();
            last = value.Item();
        }
        mlp.Eval();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"regression: trained on Boston housing ({n} rows, 300 full-batch Adam steps), train RMSE {Math.Sqrt(last):F2} (medv, $1000s)"));
        return normalization;
    }
}
