using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>Finite-difference gradchecks of every layer, with respect to inputs and parameters.</summary>
public class LayerGradTests
{
    private static Generator Seeded(ulong seed) => new(seed);

    [Fact]
    public void Dense_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new Dense(4, 3, generator: Seeded(1)), RandomData.Uniform(1, [2, 4]));

    [Fact]
    public void Dense_OnBatchedSequences_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new Dense(3, 2, generator: Seeded(2)), RandomData.Uniform(2, [2, 2, 3]));

    [Fact]
    public void Dense_WithoutBias_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new Dense(3, 2, bias: false, generator: Seeded(3)), RandomData.Uniform(3, [2, 3]));

    [Fact]
    public void Conv2D_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new Conv2D(2, 3, 3, padding: 1, generator: Seeded(4)), RandomData.Uniform(4, [1, 2, 4, 4]));

    [Fact]
    public void Conv2D_StridedDilatedGrouped_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new Conv2D(4, 2, (2, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2), groups: 2, generator: Seeded(5)),
            RandomData.Uniform(5, [1, 4, 5, 5]));

    [Fact]
    public void MaxPool2D_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new MaxPool2D(2), RandomData.Uniform(4, [1, 2, 4, 5]));

    [Fact]
    public void AvgPool2D_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new AvgPool2D(3, stride: 2, padding: 1), RandomData.Uniform(7, [1, 2, 5, 4]));

    [Fact]
    public void Flatten_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(new Flatten(), RandomData.Uniform(8, [2, 2, 3]));

    [Fact]
    public void Dropout_Backward_MatchesFiniteDifferences() =>
        // A fresh generator per evaluation, so every evaluation drops the same elements.
        GradCheck.Check(t => new Dropout(0.4f, Seeded(9)).Forward(t[0]), RandomData.Uniform(9, [3, 5]));

    [Fact]
    public void BatchNorm1D_Training_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(WithRandomAffine(new BatchNorm1D(3), 10), RandomData.Uniform(10, [4, 3]));

    [Fact]
    public void BatchNorm2D_Training_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(WithRandomAffine(new BatchNorm2D(2), 11), RandomData.Uniform(11, [2, 2, 2, 3]));

    [Fact]
    public void BatchNorm2D_Eval_Backward_MatchesFiniteDifferences()
    {
        var norm = WithRandomAffine(new BatchNorm2D(2), 12);
        using (var warmup = Tensor.FromArray(RandomData.Uniform(13, [3, 2, 2, 2]).Data, [3, 2, 2, 2]))
        using (norm.Forward(warmup)) { }
        norm.Eval();
        ModuleGradCheck.Check(norm, RandomData.Uniform(14, [2, 2, 2, 2]));
    }

    [Fact]
    public void LayerNorm_Backward_MatchesFiniteDifferences() =>
        ModuleGradCheck.Check(WithRandomAffine(new LayerNorm([2, 3]), 15), RandomData.Uniform(15, [2, 2, 3]));

    [Fact]
    public void Embedding_Backward_MatchesFiniteDifferences()
    {
        using var ids = Tensor.FromArray([1f, 3f, 1f, 0f, 2f, 3f], [2, 3]);
        ModuleGradCheck.CheckParameters(new Embedding(4, 3, Seeded(16)), ids);
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("gelu")]
    [InlineData("softmax")]
    public void Activation_Backward_MatchesFiniteDifferences(string name)
    {
        Module layer = name switch
        {
            "relu" => new Relu(),
            "leaky" => new LeakyRelu(0.2f),
            "sigmoid" => new Sigmoid(),
            "tanh" => new Tanh(),
            "gelu" => new Gelu(),
            _ => new Softmax(-1),
        };
        // Values kept away from Relu's kink at 0, where central differences are wrong by design.
        var input = RandomData.Uniform(17, [3, 4]);
        for (int i = 0; i < input.Data.Length; i++) input.Data[i] += MathF.Sign(input.Data[i]) * 0.05f;
        ModuleGradCheck.Check(layer, input);
    }

    /// <summary>Replaces the 1/0 affine start with random values, so the check sees their gradients in general position.</summary>
    private static T WithRandomAffine<T>(T module, int seed) where T : Module
    {
        var state = module.NamedParameters().ToDictionary(p => p.Name,
            p => Tensor.FromArray(RandomData.Uniform(seed++, p.Tensor.Shape.ToArray()).Data, p.Tensor.Shape.ToArray()));
        module.LoadStateDict(state, strict: false);
        foreach (var t in state.Values) t.Dispose();
        return module;
    }
}
