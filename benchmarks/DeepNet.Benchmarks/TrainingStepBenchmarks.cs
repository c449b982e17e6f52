using BenchmarkDotNet.Attributes;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Layers.Losses;

namespace DeepNet.Benchmarks;

/// <summary>
/// Full training steps (forward, loss, backward, optimizer step) of the walkthrough models on
/// random data, one column per device; MemoryDiagnoser shows what a steady-state step allocates.
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Step _mnist = null!, _lenet = null!, _mlp = null!, _transformer = null!;

    [ParamsSource(nameof(Devices))]
    public string DeviceName { get; set; } = "cpu";

    public static IEnumerable<string> Devices => DeviceParams.Available();

    [GlobalSetup]
    public void Setup()
    {
        var device = DeviceParams.Resolve(DeviceName);
        var g = new Generator(5);
        _mnist = Step.Classifier(BenchmarkModels.MnistCnn(g), [64, 1, 28, 28], adam: true, device, g);
        _lenet = Step.Classifier(BenchmarkModels.LeNet(g), [64, 1, 32, 32], adam: false, device, g);
        _mlp = Step.Classifier(BenchmarkModels.Mlp(g), [32, 100], adam: true, device, g);
        _transformer = Step.Regression(BenchmarkModels.Transformer(g),
            [BenchmarkModels.TransformerSequence, BenchmarkModels.TransformerBatch, BenchmarkModels.TransformerDModel], device, g);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var s in new[] { _mnist, _lenet, _mlp, _transformer }) s.Dispose();
    }

    [Benchmark] public void MnistCnnBatch64() => _mnist.Run();
    [Benchmark] public void LeNetBatch64() => _lenet.Run();
    [Benchmark] public void MlpBatch32() => _mlp.Run();
    [Benchmark] public void TransformerD128Batch16() => _transformer.Run();

    /// <summary>A model with its data, loss and optimizer; Run is one training step.</summary>
    private sealed class Step(Module model, Tensor x, Tensor y, Loss loss, Optimizer optimizer) : IDisposable
    {
        public static Step Classifier(Module model, int[] inputShape, bool adam, Device device, Generator g)
        {
            model.To(device);
            Optimizer opt = adam ? new Adam(model.Parameters()) : new Sgd(model.Parameters(), 1e-3, momentum: 0.9);
            return new Step(model, Tensor.Randn(inputShape, g, device), Tensor.RandInt(0, 10, [inputShape[0]], g, device),
                new CrossEntropyLoss(), opt);
        }

        public static Step Regression(Module model, int[] shape, Device device, Generator g)
        {
            model.To(device);
            return new Step(model, Tensor.Randn(shape, g, device), Tensor.Randn(shape, g, device), new MseLoss(), new Adam(model.Parameters()));
        }

        public void Run()
        {
            using (var scope = new DisposeScope())
            {
                optimizer.ZeroGrad();
                loss.Forward(model.Forward(x), y).Backward();
                optimizer.Step();
            }
            model.Device.Synchronize();
        }

        public void Dispose()
        {
            model.Dispose();
            x.Dispose();
            y.Dispose();
        }
    }
}
