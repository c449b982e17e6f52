using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>
/// MultiHeadAttention and TransformerEncoderLayer against libtorch (tools/FixtureGen/Fixtures.Attention.cs):
/// outputs, averaged attention weights and the gradients of Σ output⊙P (+ Σ weights⊙Q) for the inputs
/// and every parameter, loaded by PyTorch's names. E = 4, 2 heads, feed-forward 6, N = 2, L = 3.
/// </summary>
public sealed class AttentionFixtureTests
{
    private const double OutputTolerance = 2e-5;
    private const double GradientTolerance = 1e-4;
    private const int Embed = 4, Heads = 2, Feedforward = 6;

    [Fact]
    public void SelfAttention_WithCausalAndPaddingMasks_MatchesTorch()
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("attention", "self");
        using var attention = new MultiHeadAttention(Embed, Heads);
        fixture.LoadInto(attention);
        var x = fixture.Tensor("query", requiresGrad: true);
        var padding = AttentionMask.Blocked(fixture.Tensor("key_padding_mask"));
        var causal = MultiHeadAttention.CausalMask(3);
        fixture.AssertClose("attn_mask", causal, 0);

        var (output, weights) = attention.ForwardWithWeights(x, x, x, padding, causal);
        fixture.AssertClose("output", output, OutputTolerance);
        fixture.AssertClose("weights", weights, OutputTolerance);
        float[] w = weights.ToArray();                                       // [N, L, S]
        for (int l = 0; l < 3; l++)
            for (int s = 0; s < 3; s++)
            {
                if (s > l) Assert.True(w[l * 3 + s] == 0f && w[9 + l * 3 + s] == 0f, $"query {l} attends to future key {s}");
                if (s == 2) Assert.True(w[9 + l * 3 + s] == 0f, $"query {l} of batch 1 attends to its padded key");
            }

        Backward(fixture, output, weights);
        fixture.AssertClose("grad.query", x.Grad, GradientTolerance);
        AssertParameterGradients(fixture, attention);
    }

    [Fact]
    public void CrossAttention_WithoutBias_MatchesTorch()
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("attention", "cross");
        using var attention = new MultiHeadAttention(Embed, Heads, bias: false);
        Assert.Equal(["in_proj_weight", "out_proj.weight"], attention.NamedParameters().Select(p => p.Name));
        fixture.LoadInto(attention);
        var query = fixture.Tensor("query", requiresGrad: true);
        var key = fixture.Tensor("key", requiresGrad: true);
        var value = fixture.Tensor("value", requiresGrad: true);

        var (output, weights) = attention.ForwardWithWeights(query, key, value);
        fixture.AssertClose("output", output, OutputTolerance);
        fixture.AssertClose("weights", weights, OutputTolerance);
        Backward(fixture, output, weights);
        fixture.AssertClose("grad.query", query.Grad, GradientTolerance);
        fixture.AssertClose("grad.key", key.Grad, GradientTolerance);
        fixture.AssertClose("grad.value", value.Grad, GradientTolerance);
        AssertParameterGradients(fixture, attention);
    }

    [Fact]
    public void EncoderLayer_PostNormRelu_MatchesTorch()
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("transformer", "post_relu");
        using var layer = new TransformerEncoderLayer(Embed, Heads, Feedforward, dropout: 0.1f);
        layer.Eval();
        fixture.LoadInto(layer);
        var src = fixture.Tensor("src", requiresGrad: true);
        var output = layer.Forward(src, MultiHeadAttention.CausalMask(3), AttentionMask.Blocked(fixture.Tensor("key_padding_mask")));
        fixture.AssertClose("output", output, OutputTolerance);
        Backward(fixture, output, null);
        fixture.AssertClose("grad.src", src.Grad, GradientTolerance);
        AssertParameterGradients(fixture, layer);
    }

    [Fact]
    public void EncoderLayer_PreNormGeluBatchFirst_MatchesTorch()
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("transformer", "pre_gelu");
        using var layer = new TransformerEncoderLayer(Embed, Heads, Feedforward, dropout: 0f, Activation.Gelu,
            batchFirst: true, normFirst: true);
        fixture.LoadInto(layer);
        var src = fixture.Tensor("src", requiresGrad: true);                    // recorded sequence-first
        var output = layer.Forward(src.Transpose(0, 1), null, AttentionMask.Blocked(fixture.Tensor("key_padding_mask"))).Transpose(0, 1);
        fixture.AssertClose("output", output, OutputTolerance);
        Backward(fixture, output, null);
        fixture.AssertClose("grad.src", src.Grad, GradientTolerance);
        AssertParameterGradients(fixture, layer);
    }

    private static void Backward(TorchFixture fixture, Tensor output, Tensor? weights)
    {
        var loss = output.Mul(fixture.Tensor("P")).Sum();
        if (weights is not null) loss = loss.Add(weights.Mul(fixture.Tensor("Q")).Sum());
        loss.Backward();
    }

    private static void AssertParameterGradients(TorchFixture fixture, Module module)
    {
        foreach (var (name, parameter) in module.NamedParameters())
            fixture.AssertClose("grad." + name, parameter.Grad, GradientTolerance);
    }
}
