using DeepNet.Benchmarks;
using DeepNet.Layers;
using DeepNet.Optimizers;
using static TorchSharp.torch;
using DnTensor = DeepNet.Tensors.Tensor;
using Generator = DeepNet.Tensors.Generator;
using TorchModule = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;
using DeepNet.Layers.Losses;

namespace DeepNet.Compare;

/// <summary>
/// Full training steps (forward, loss, backward, optimizer) of the walkthrough models, built the
/// same way in both libraries with random data of the sample's batch size (DeepNet's side from
/// BenchmarkModels, shared with the BenchmarkDotNet suite).
/// </summary>
public static class ModelWorkloads
{
    /// <summary>The Keras MNIST CNN, batch 64, Adam.</summary>
    public static Workload MnistCnn() => Classifier("mnist_cnn_step", [64, 1, 28, 28], 10,
        BenchmarkModels.MnistCnn,
        () => nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
            nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10)),
        adam: true, learningRate: 1e-3);

    /// <summary>LeNet-5 on 32×32, batch 64, SGD lr 0.001 momentum 0.9.</summary>
    public static Workload LeNet() => Classifier("lenet_step", [64, 1, 32, 32], 10,
        BenchmarkModels.LeNet,
        () => nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)),
        adam: false, learningRate: 1e-3);

    /// <summary>MLP 100 → 64 → 64 → 10, batch 32, Adam.</summary>
    public static Workload Mlp() => Classifier("mlp_step", [32, 100], 10,
        BenchmarkModels.Mlp,
        () => nn.Sequential(nn.Linear(100, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)),
        adam: true, learningRate: 1e-3);

    private static Workload Classifier(string name, int[] inputShape, int classes, Func<Generator, Sequential> buildDeepNet,
        Func<TorchModule> buildTorch, bool adam, double learningRate) => new(name,
        () =>
        {
            var g = new Generator(7);
            var model = buildDeepNet(g);
            var x = DnTensor.Randn(inputShape, g);
            var y = DnTensor.RandInt(0, classes, [inputShape[0]], g);
            Optimizer optimizer = adam ? new Adam(model.Parameters(), learningRate) : new Sgd(model.Parameters(), learningRate, momentum: 0.9);
            return new Side(DeepNetStep.Training(model, new CrossEntropyLoss(), optimizer, x, y),
                () => { model.Dispose(); x.Dispose(); y.Dispose(); optimizer.Dispose(); });
        },
        () =>
        {
            var torchModel = buildTorch();
            var tx = randn(inputShape.Select(d => (long)d).ToArray());
            var ty = randint(0, classes, [inputShape[0]]);
            var torchLoss = nn.CrossEntropyLoss();
            TorchSharp.Modules.OptimizerHelper torchOptimizer = adam
                ? optim.Adam(torchModel.parameters(), learningRate)
                : optim.SGD(torchModel.parameters(), learningRate, momentum: 0.9);
            return new Side(() =>
            {
                using var scope = NewDisposeScope();
                torchOptimizer.zero_grad();
                torchLoss.forward(torchModel.forward(tx), ty).backward();
                torchOptimizer.step();
            }, () => { torchModel.Dispose(); tx.Dispose(); ty.Dispose(); torchOptimizer.Dispose(); });
        },
        Training: true);
}
