using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Serialization;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>torch.nn.Embedding's padding_idx: the row starts at zero, gets no gradient, counts from the end when negative.</summary>
public class EmbeddingTests
{
    [Fact]
    public void PaddingRow_StartsAtZero_AndGetsNoGradient()
    {
        using var scope = new DisposeScope();
        var embedding = new Embedding(6, 4, new Generator(3), paddingIdx: 2);
        float[] table = embedding.Weight.ToArray();
        Assert.All(table[8..12], v => Assert.Equal(0f, v));
        Assert.Contains(table[..8], v => v != 0f);
        var ids = Tensor.FromArray(new long[] { 2, 0, 2, 5, 1 }, [5]);
        embedding.Forward(ids).Mul(3f).Sum().Backward();
        float[] grad = embedding.Weight.Grad!.ToArray();
        Assert.All(grad[8..12], v => Assert.Equal(0f, v));        // row 2: looked up twice, no gradient
        Assert.All(grad[..4], v => Assert.Equal(3f, v));           // row 0: once
        Assert.All(grad[12..20], v => Assert.Equal(0f, v));        // rows 3, 4: never looked up
        Assert.All(grad[20..24], v => Assert.Equal(3f, v));        // row 5
        // The padding row is looked up as usual: set it and it is what comes out.
        using (GradMode.NoGrad()) embedding.Weight.Narrow(0, 2, 1).Fill(7);
        Assert.All(embedding.Forward(Tensor.FromArray(new long[] { 2 }, [1])).ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void NegativePaddingIdx_CountsFromTheEnd_AndOutOfRangeIsRefused()
    {
        using var embedding = new Embedding(5, 2, paddingIdx: -1);
        Assert.Equal(4, embedding.PaddingIdx);
        Assert.Equal([0f, 0f], embedding.Weight.ToArray()[8..10]);
        var e = Assert.Throws<ArgumentException>(() => new Embedding(5, 2, paddingIdx: 5));
        Assert.Contains("padding_idx 5", e.Message);
        Assert.Contains("num_embeddings 5", e.Message);
        Assert.Throws<ArgumentException>(() => new Embedding(5, 2, paddingIdx: -6));
    }

    [Fact]
    public void PaddingIdx_IsKeptInTheArchitecture()
    {
        using var padded = new Embedding(7, 3, paddingIdx: 1);
        var spec = LayerRegistry.Describe(padded);
        Assert.Equal(1, spec.Int("padding_idx"));
        using var rebuilt = (Embedding)LayerRegistry.Build(spec);
        Assert.Equal(1, rebuilt.PaddingIdx);
        using var plain = new Embedding(7, 3);
        Assert.False(LayerRegistry.Describe(plain).Arguments.ContainsKey("padding_idx"));
        Assert.Null(((Embedding)LayerRegistry.Build(LayerRegistry.Describe(plain))).PaddingIdx);
    }
}
