using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>
/// Every layer against libtorch (tools/FixtureGen/Fixtures.Layers.cs, Fixtures/Torch/layers.safetensors):
/// the recorded parameters and buffers load by PyTorch's names, then the output, the gradients of
/// Σ output⊙P for the input and every parameter, and batch norm's updated running statistics match.
/// References are float64 from float32 values; we compute in float32.
/// </summary>
public sealed class LayerFixtureTests
{
    private const double OutputTolerance = 2e-5;
    private const double GradientTolerance = 1e-4;

    public static TheoryData<string> Cases =>
    [
        "dense", "dense_3d", "conv", "conv_plain", "maxpool", "avgpool", "batchnorm1d", "batchnorm1d_3d", "batchnorm2d",
        "batchnorm2d_eval", "layernorm", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_MatchesTorch(string name)
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("layers", name);
        using var layer = Build(name);
        fixture.LoadInto(layer);
        var x = fixture.Tensor("input", requiresGrad: true);
        var output = layer.Forward(x);
        fixture.AssertClose("output", output, OutputTolerance);
        output.Mul(fixture.Tensor("projection")).Sum().Backward();
        fixture.AssertClose("grad.input", x.Grad, GradientTolerance);
        foreach (var (parameterName, parameter) in layer.NamedParameters())
            fixture.AssertClose("grad." + parameterName, parameter.Grad, GradientTolerance);
        foreach (var (bufferName, buffer) in layer.NamedBuffers())
            fixture.AssertClose("after." + bufferName, buffer, OutputTolerance);
    }

    [Fact]
    public void Embedding_MatchesTorch()
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("layers", "embedding");
        using var embedding = new Embedding(5, 3);
        fixture.LoadInto(embedding);
        var output = embedding.Forward(fixture.Tensor("input"));
        fixture.AssertClose("output", output, OutputTolerance);
        output.Mul(fixture.Tensor("projection")).Sum().Backward();
        fixture.AssertClose("grad.weight", embedding.Weight.Grad, GradientTolerance);
    }

    private static Module Build(string name) => name switch
    {
        "dense" => new Dense(4, 3),
        "dense_3d" => new Dense(3, 2, bias: false),
        "conv" => new Conv2D(4, 6, (3, 2), stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2),
        "conv_plain" => new Conv2D(2, 3, 3),
        "maxpool" => new MaxPool2D(3, stride: 2, padding: 1),
        "avgpool" => new AvgPool2D(3, stride: 2, padding: 1),
        "batchnorm1d" or "batchnorm1d_3d" => new BatchNorm1D(3),
        "batchnorm2d" => new BatchNorm2D(3),
        "batchnorm2d_eval" => new BatchNorm2D(3).Eval(),
        "layernorm" => new LayerNorm([3, 4]),
        "relu" => new Relu(),
        "leaky_relu" => new LeakyRelu(0.2f),
        "sigmoid" => new Sigmoid(),
        "tanh" => new Tanh(),
        "gelu" => new Gelu(),
        "softmax" => new Softmax(1),
        _ => throw new ArgumentException($"no layer for fixture case '{name}'"),
    };
}
