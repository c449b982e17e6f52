using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Benchmarks;

/// <summary>
/// The workloads' models on the DeepNet side, written once for BenchmarkDotNet and Compare
/// (linked into both). Shapes follow the walkthroughs (issue 8's workload list).
/// </summary>
public static class BenchmarkModels
{
    /// <summary>The Keras MNIST CNN: input [N, 1, 28, 28] → 10 logits.</summary>
    public static Sequential MnistCnn(Generator g) => new(
        new Conv2D(1, 32, 3, generator: g), new Relu(), new MaxPool2D(2),
        new Conv2D(32, 64, 3, generator: g), new Relu(), new MaxPool2D(2),
        new Conv2D(64, 64, 3, generator: g), new Relu(), new Flatten(),
        new Dense(576, 64, generator: g), new Relu(), new Dense(64, 10, generator: g));

    /// <summary>LeNet-5: input [N, 1, 32, 32] → 10 logits.</summary>
    public static Sequential LeNet(Generator g) => new(
        new Conv2D(1, 6, 5, generator: g), new Relu(), new MaxPool2D(2),
        new Conv2D(6, 16, 5, generator: g), new Relu(), new MaxPool2D(2), new Flatten(),
        new Dense(400, 120, generator: g), new Relu(), new Dense(120, 84, generator: g), new Relu(),
        new Dense(84, 10, generator: g));

    /// <summary>MLP 100 → 64 → 64 → 10.</summary>
    public static Sequential Mlp(Generator g) => new(
        new Dense(100, 64, generator: g), new Relu(), new Dense(64, 64, generator: g), new Relu(),
        new Dense(64, 10, generator: g));

    public const int TransformerDModel = 128, TransformerHeads = 4, TransformerLayers = 2, TransformerFeedForward = 512;
    public const int TransformerSequence = 64, TransformerBatch = 16;

    /// <summary>Transformer encoder, d_model 128, 4 heads, 2 layers, ff 512; input [S, N, E] (sequence first, as torch's default).</summary>
    public static TransformerEncoder Transformer(Generator g) => new(
        () => new TransformerEncoderLayer(TransformerDModel, TransformerHeads, TransformerFeedForward, generator: g),
        TransformerLayers);
}
