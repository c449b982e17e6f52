using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGen;

// torch.nn layer references for tests/DeepNet.Tests/Layers/LayerFixtureTests.cs. Each case "<case>.*"
// stores the parameters and buffers under PyTorch's names, the input, the output, a projection P,
// and the gradients of Σ output⊙P with respect to the input and every parameter; batch norm cases
// also store the running statistics after the forward ("<case>.after.running_mean").
internal static partial class Fixtures
{
    [Fixture]
    public static void Layers(FixtureFile file)
    {
        LayerCase(file, "dense", nn.Linear(4, 3, dtype: ScalarType.Float64), [2, 4], seed: 40);
        LayerCase(file, "dense_3d", nn.Linear(3, 2, hasBias: false, dtype: ScalarType.Float64), [2, 2, 3], seed: 41);
        LayerCase(file, "conv", nn.Conv2d(4, 6, (3, 2), stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2,
            dtype: ScalarType.Float64), [2, 4, 6, 7], seed: 42);
        LayerCase(file, "conv_plain", nn.Conv2d(2, 3, 3, dtype: ScalarType.Float64), [1, 2, 5, 5], seed: 43);
        LayerCase(file, "maxpool", nn.MaxPool2d((3, 3), stride: (2, 2), padding: (1, 1)), [2, 3, 7, 6], seed: 44);
        LayerCase(file, "avgpool", nn.AvgPool2d((3, 3), stride: (2, 2), padding: (1, 1)), [2, 3, 7, 6], seed: 45);
        LayerCase(file, "batchnorm1d", RandomAffine(nn.BatchNorm1d(3, dtype: ScalarType.Float64)), [5, 3], seed: 46);
        LayerCase(file, "batchnorm1d_3d", RandomAffine(nn.BatchNorm1d(3, dtype: ScalarType.Float64)), [2, 3, 4], seed: 47);
        LayerCase(file, "batchnorm2d", RandomAffine(nn.BatchNorm2d(3, dtype: ScalarType.Float64)), [2, 3, 4, 5], seed: 48);
        var evalNorm = RandomAffine(nn.BatchNorm2d(3, dtype: ScalarType.Float64));
        using (no_grad())
        {
            evalNorm.running_mean!.copy_(randn(3, dtype: ScalarType.Float32).to_type(ScalarType.Float64));
            evalNorm.running_var!.copy_((rand(3, dtype: ScalarType.Float32) + 0.5f).to_type(ScalarType.Float64));
        }
        evalNorm.eval();
        LayerCase(file, "batchnorm2d_eval", evalNorm, [2, 3, 4, 5], seed: 49);
        LayerCase(file, "layernorm", RandomAffine(nn.LayerNorm([3, 4], dtype: ScalarType.Float64)), [2, 3, 4], seed: 50);
        LayerCase(file, "relu", nn.ReLU(), [3, 5], seed: 51);
        LayerCase(file, "leaky_relu", nn.LeakyReLU(0.2), [3, 5], seed: 52);
        LayerCase(file, "sigmoid", nn.Sigmoid(), [3, 5], seed: 53);
        LayerCase(file, "tanh", nn.Tanh(), [3, 5], seed: 54);
        LayerCase(file, "gelu", nn.GELU(), [3, 5], seed: 55);
        LayerCase(file, "softmax", nn.Softmax(1), [3, 5], seed: 56);
        EmbeddingCase(file);
    }

    /// <summary>Runs <paramref name="module"/> on a float32-valued randn input and records everything.</summary>
    private static void LayerCase(FixtureFile file, string name, nn.Module<Tensor, Tensor> module, long[] inputShape, int seed)
    {
        manual_seed(seed);
        RoundParameters(module);
        foreach (var (bufferName, buffer) in module.named_buffers())
            if (buffer.dtype == ScalarType.Float64) file.AddFloat32($"{name}.{bufferName}", buffer);
        var input = Float32Randn(inputShape);
        file.AddFloat32($"{name}.input", input);
        var output = module.forward(input);
        RecordOutput(file, name, module, output);
        file.AddFloat32($"{name}.grad.input", input.grad!);
        foreach (var (bufferName, buffer) in module.named_buffers())
            if (buffer.dtype == ScalarType.Float64) file.AddFloat32($"{name}.after.{bufferName}", buffer);
    }

    private static void EmbeddingCase(FixtureFile file)
    {
        manual_seed(57);
        var embedding = nn.Embedding(5, 3, dtype: ScalarType.Float64);
        RoundParameters(embedding);
        var ids = tensor(new long[] { 1, 4, 1, 0, 2, 4 }).reshape(2, 3);
        file.AddFloat32("embedding.input", ids);
        RecordOutput(file, "embedding", embedding, embedding.forward(ids));
    }

    /// <summary>Stores the output, its projection P, the parameters and their gradients of Σ output⊙P.</summary>
    private static void RecordOutput(FixtureFile file, string name, nn.Module module, Tensor output)
    {
        var projection = Float32Randn(output.shape).requires_grad_(false);
        file.AddFloat32($"{name}.output", output);
        file.AddFloat32($"{name}.projection", projection);
        (output * projection).sum().backward();
        foreach (var (parameterName, parameter) in module.named_parameters())
        {
            file.AddFloat32($"{name}.{parameterName}", parameter);
            file.AddFloat32($"{name}.grad.{parameterName}", parameter.grad!);
        }
    }

    /// <summary>Replaces the 1/0 affine start of a norm layer with random values, so their gradients are tested in general position.</summary>
    private static T RandomAffine<T>(T module) where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var (_, parameter) in module.named_parameters())
            parameter.copy_(randn(parameter.shape, dtype: ScalarType.Float64));
        return module;
    }
}
