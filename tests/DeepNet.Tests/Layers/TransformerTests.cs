using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;
using DeepNet.Autograd;

namespace DeepNet.Tests.Layers;

/// <summary>Gradchecks, structure and masks of the attention stack and the positional encodings.</summary>
public sealed class TransformerTests
{
    private const int Embed = 4, Heads = 2, Length = 3, Batch = 2;

    [Fact]
    public void MultiHeadAttention_Backward_MatchesFiniteDifferences()
    {
        using var attention = new MultiHeadAttention(Embed, Heads, generator: new Generator(1));
        using (GradMode.NoGrad())
            foreach (var p in attention.Parameters()) p.CopyFrom(Tensor.Randn(p.Shape, new Generator(2)).Mul(0.5f));
        using var mask = MultiHeadAttention.CausalMask(Length);
        ModuleGradCheck.Check(attention, RandomData.Uniform(3, [Length, Batch, Embed]), x => attention.Forward(x, x, x, null, mask));
    }

    [Fact]
    public void EncoderLayer_PreNormGelu_Backward_MatchesFiniteDifferences()
    {
        using var layer = new TransformerEncoderLayer(Embed, Heads, dimFeedforward: 6, dropout: 0f, Activation.Gelu,
            batchFirst: true, normFirst: true, generator: new Generator(4));
        ModuleGradCheck.Check(layer, RandomData.Uniform(5, [Batch, Length, Embed]));
    }

    [Fact]
    public void MultiHeadAttention_PaddedKeysAndFutureKeysGetZeroWeight()
    {
        using var scope = new DisposeScope();
        using var attention = new MultiHeadAttention(Embed, Heads, batchFirst: true, generator: new Generator(6));
        var x = Tensor.Randn([Batch, 4, Embed], new Generator(7));
        var padding = Tensor.FromArray([0, 0, 0, 0, 0, 1, 0, 1], [Batch, 4]);   // batch 1 ignores keys 1 and 3
        var (_, weights) = attention.ForwardWithWeights(x, x, x, AttentionMask.Blocked(padding), AttentionMask.Causal(4), averageWeights: false);
        Assert.Equal([Batch, Heads, 4, 4], weights.Shape.ToArray());
        float[] w = weights.ToArray();
        for (int b = 0; b < Batch; b++)
            for (int h = 0; h < Heads; h++)
                for (int l = 0; l < 4; l++)
                {
                    int row = ((b * Heads + h) * 4 + l) * 4;
                    Assert.Equal(1.0, w.Skip(row).Take(4).Sum(), 5);
                    for (int s = 0; s < 4; s++)
                        if (s > l || (b == 1 && s % 2 == 1)) Assert.True(w[row + s] == 0f, $"weight [{b},{h},{l},{s}] = {w[row + s]}");
                        else Assert.True(w[row + s] > 0f);
                }
    }

    [Fact]
    public void AttentionMask_ZeroOneFloatMask_IsRefusedAsAmbiguous_AndBlockedEqualsAdditiveMinusInfinity()
    {
        using var scope = new DisposeScope();
        using var attention = new MultiHeadAttention(Embed, Heads, batchFirst: true, generator: new Generator(6));
        var x = Tensor.Randn([Batch, 4, Embed], new Generator(7));
        var blocked = Tensor.FromArray([0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0], [4, 4]);
        // Before: a 0/1 float mask was silently added (+1 on the scores), off by up to 0.69 from PyTorch.
        var error = Assert.Throws<ArgumentException>(() => attention.Forward(x, x, x, null, blocked));
        Assert.Contains("AttentionMask.Blocked", error.Message);
        Assert.Contains("AttentionMask.Additive", error.Message);
        Assert.Throws<ArgumentException>(() => attention.Forward(x, x, x, Tensor.Zeros([Batch, 4]), null));
        var viaBlocked = attention.Forward(x, x, x, null, AttentionMask.Blocked(blocked)).ToArray();
        var viaCausal = attention.Forward(x, x, x, null, AttentionMask.Causal(4)).ToArray();
        var viaRawAdditive = attention.Forward(x, x, x, null, MultiHeadAttention.CausalMask(4)).ToArray();
        // The causal flag skips blocked keys instead of adding −∞: equal up to the order of float sums.
        Assert.Equal(viaBlocked, viaRawAdditive);
        Assert.All(viaCausal.Zip(viaBlocked), p => Assert.Equal(p.First, p.Second, 1e-6f));
        var plusOne = attention.Forward(x, x, x, null, AttentionMask.Additive(blocked)).ToArray();
        Assert.NotEqual(viaCausal, plusOne);   // additive means added, when asked for explicitly
    }

    [Fact]
    public void CausalMask_IsMinusInfinityAboveTheDiagonal()
    {
        using var mask = MultiHeadAttention.CausalMask(3);
        float ninf = float.NegativeInfinity;
        Assert.Equal([0, ninf, ninf, 0, 0, ninf, 0, 0, 0], mask.ToArray());
    }

    [Fact]
    public void MultiHeadAttention_RejectsBadShapes()
    {
        using var scope = new DisposeScope();
        Assert.Throws<ArgumentException>(() => new MultiHeadAttention(6, 4));
        using var attention = new MultiHeadAttention(Embed, Heads);
        var x = Tensor.Zeros([Length, Batch, Embed]);
        var error = Assert.Throws<ArgumentException>(() => attention.Forward(x, x, x, null, AttentionMask.Additive(Tensor.Zeros([2, 2]))));
        Assert.Contains("attn_mask", error.Message);
        error = Assert.Throws<ArgumentException>(() => attention.Forward(Tensor.Zeros([Length, Batch, Embed + 1])));
        Assert.Contains("[3,2,5]", error.Message);
    }

    [Fact]
    public void Encoder_StacksIndependentLayersUnderPyTorchNamesThenNorm()
    {
        using var scope = new DisposeScope();
        int seed = 10;
        using var encoder = new TransformerEncoder(
            () => new TransformerEncoderLayer(Embed, Heads, 6, dropout: 0f, generator: new Generator((ulong)seed++)), 2, new LayerNorm(Embed));
        var names = encoder.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("layers.0.self_attn.in_proj_weight", names);
        Assert.Contains("layers.1.linear2.bias", names);
        Assert.Contains("norm.weight", names);
        Assert.NotEqual(encoder[0].SelfAttention.Parameters().First().ToArray(), encoder[1].SelfAttention.Parameters().First().ToArray());

        var x = Tensor.Randn([Length, Batch, Embed], new Generator(11));
        var mask = MultiHeadAttention.CausalMask(Length);
        var expected = encoder[1].Forward(encoder[0].Forward(x, mask, null), mask, null).LayerNorm([Embed]);
        Assert.Equal(expected.ToArray(), encoder.Forward(x, mask, null).ToArray());
    }

    [Fact]
    public void SinusoidalEncoding_AddsSinAndCosOfPositionOverWavelength()
    {
        using var scope = new DisposeScope();
        using var encoding = new SinusoidalPositionalEncoding(Embed, maxLength: 10, batchFirst: true);
        var x = Tensor.Zeros([Batch, 5, Embed]);
        float[] y = encoding.Forward(x).ToArray();
        for (int b = 0; b < Batch; b++)
            for (int p = 0; p < 5; p++)
            {
                int row = (b * 5 + p) * Embed;
                Assert.Equal(Math.Sin(p), y[row], 6);
                Assert.Equal(Math.Cos(p), y[row + 1], 6);
                Assert.Equal(Math.Sin(p / 100.0), y[row + 2], 6);               // 10000^(2/4) = 100
                Assert.Equal(Math.Cos(p / 100.0), y[row + 3], 6);
            }
        Assert.Throws<ArgumentException>(() => encoding.Forward(Tensor.Zeros([Batch, 11, Embed])));
    }

    [Fact]
    public void PositionalEncodings_SequenceFirstMatchesBatchFirst()
    {
        using var scope = new DisposeScope();
        using var seqFirst = new LearnedPositionalEncoding(8, Embed, generator: new Generator(12));
        using var batchFirst = new LearnedPositionalEncoding(8, Embed, batchFirst: true, generator: new Generator(12));
        var x = Tensor.Randn([Length, Batch, Embed], new Generator(13));
        Assert.Equal(seqFirst.Forward(x).ToArray(), batchFirst.Forward(x.Transpose(0, 1)).Transpose(0, 1).ToArray());
    }

    [Fact]
    public void LearnedEncoding_Backward_MatchesFiniteDifferences()
    {
        using var encoding = new LearnedPositionalEncoding(5, Embed, generator: new Generator(14));
        ModuleGradCheck.Check(encoding, RandomData.Uniform(15, [Length, Batch, Embed]));
    }

    [Fact]
    public void Dropout_InEvalMode_StillPassesGradients()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Randn([3], new Generator(16)).RequiresGradient();
        x.Dropout(0.5f, training: false).Sum().Backward();
        Assert.Equal([1f, 1f, 1f], x.Grad!.ToArray());
    }
}
