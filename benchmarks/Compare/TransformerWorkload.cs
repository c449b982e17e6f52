using DeepNet.Benchmarks;
using DeepNet.Optimizers;
using static TorchSharp.torch;
using DnTensor = DeepNet.Tensors.Tensor;
using Generator = DeepNet.Tensors.Generator;
using DeepNet.Layers.Losses;

namespace DeepNet.Compare;

/// <summary>
/// Transformer encoder training step: d_model 128, 4 heads, 2 post-norm Relu layers, ff 512, dropout 0.1,
/// input [S, N, E] = [64, 16, 128] (sequence first, libtorch's layout), MSE to a random target, Adam.
/// </summary>
public static class TransformerWorkload
{
    public static Workload Create()
    {
        int s = BenchmarkModels.TransformerSequence, n = BenchmarkModels.TransformerBatch, e = BenchmarkModels.TransformerDModel;
        return new Workload("transformer_step",
            () =>
            {
                var g = new Generator(7);
                var model = BenchmarkModels.Transformer(g);
                var x = DnTensor.Randn([s, n, e], g);
                var y = DnTensor.Randn([s, n, e], g);
                var optimizer = new Adam(model.Parameters(), 1e-3);
                return new Side(DeepNetStep.Training(model, new MseLoss(), optimizer, x, y),
                    () => { model.Dispose(); x.Dispose(); y.Dispose(); optimizer.Dispose(); });
            },
            () =>
            {
                var layers = Enumerable.Range(0, BenchmarkModels.TransformerLayers)
                    .Select(_ => nn.TransformerEncoderLayer(e, BenchmarkModels.TransformerHeads, BenchmarkModels.TransformerFeedForward, 0.1, nn.Activations.ReLU))
                    .ToArray();
                var tx = randn(s, n, e);
                var ty = randn(s, n, e);
                var torchLoss = nn.MSELoss();
                var torchOptimizer = optim.Adam(layers.SelectMany(l => l.parameters()), 1e-3);
                return new Side(() =>
                {
                    using var scope = NewDisposeScope();
                    torchOptimizer.zero_grad();
                    var h = tx;
                    foreach (var layer in layers) h = layer.call(h, null, null);
                    torchLoss.forward(h, ty).backward();
                    torchOptimizer.step();
                }, () =>
                {
                    foreach (var layer in layers) layer.Dispose();
                    tx.Dispose(); ty.Dispose(); torchOptimizer.Dispose();
                });
            },
            Training: true);
    }
}
