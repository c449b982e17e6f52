using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>dropout, embedding and layer_norm composites.</summary>
public class NnTests
{
    [Fact]
    public void Dropout_WithTheSameGenerator_GradientEqualsTheMaskScaling()
    {
        const float p = 0.4f;
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(RandomData.Positive(1, [4, 25]).Data, [4, 25]).RequiresGradient();
        var y = x.Dropout(p, generator: new Generator(7));
        y.Sum().Backward();
        var values = x.ToArray();
        var output = y.ToArray();
        var grad = x.Grad!.ToArray();
        float scale = 1f / (1f - p);
        int dropped = 0;
        for (int i = 0; i < values.Length; i++)
        {
            // Inputs are positive, so a zero output marks a dropped element.
            bool kept = output[i] != 0f;
            if (!kept) dropped++;
            Assert.Equal(kept ? scale : 0f, grad[i], 6);
            Assert.Equal(kept ? values[i] * scale : 0f, output[i], 5);
        }
        Assert.InRange(dropped, 20, 60);
        Assert.Equal(output, x.Dropout(p, generator: new Generator(7)).ToArray());
    }

    [Fact]
    public void Dropout_Backward_MatchesFiniteDifferences_ForAFixedMask()
    {
        // A fresh generator with one seed per evaluation keeps the mask fixed across the central differences.
        GradCheck.Check(t => t[0].Dropout(0.5f, generator: new Generator(3)), RandomData.Uniform(2, [3, 4]));
    }

    [Fact]
    public void Dropout_WhenNotTraining_PassesGradientsThrough() =>
        GradCheck.Check(t => t[0].Dropout(0.5f, training: false), RandomData.Uniform(4, [2, 3]));

    [Fact]
    public void Dropout_WhenNotTrainingOrZero_IsIdentity()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(6);
        Assert.Equal(x.ToArray(), x.Dropout(0.5f, training: false).ToArray());
        Assert.Equal(x.ToArray(), x.Dropout(0f).ToArray());
        Assert.Equal(new float[6], x.Dropout(1f).ToArray());   // p = 1 drops everything, as torch
        Assert.Throws<ArgumentException>(() => x.Dropout(1.5f));
        Assert.Throws<ArgumentException>(() => x.Dropout(float.NaN));
    }

    [Fact]
    public void Embedding_GathersRows_ForIdsOfAnyShape()
    {
        using var scope = new DisposeScope();
        var table = Tensor.Arange(12).Reshape(4, 3);
        var y = Tensor.Embedding(Tensor.FromArray([3f, 0f, 3f, 1f], [2, 2]), table);
        TensorAssert.ShapeIs([2, 2, 3], y);
        Assert.Equal([9f, 10f, 11f, 0f, 1f, 2f, 9f, 10f, 11f, 3f, 4f, 5f], y.ToArray());
    }

    [Fact]
    public void Embedding_Backward_ScatterAddsRepeatedIds()
    {
        using var ids = Tensor.FromArray([3f, 0f, 3f, 1f, 3f], [5]);
        GradCheck.Check(t => Tensor.Embedding(ids, t[0]), RandomData.Uniform(3, [4, 2]));
        using var scope = new DisposeScope();
        var table = Tensor.Zeros([4, 2]).RequiresGradient();
        Tensor.Embedding(ids, table).Sum().Backward();
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f, 3f, 3f], table.Grad!.ToArray());
    }

    [Fact]
    public void LayerNorm_MatchesReference()
    {
        var (data, _) = RandomData.Uniform(4, [2, 5], -3f, 3f);
        using var scope = new DisposeScope();
        var y = Tensor.FromArray(data, [2, 5]).LayerNorm([5]);
        var expected = new double[10];
        for (int row = 0; row < 2; row++)
        {
            var x = data[(row * 5)..(row * 5 + 5)].Select(v => (double)v).ToArray();
            double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / 5;
            for (int i = 0; i < 5; i++) expected[row * 5 + i] = (x[i] - mean) / Math.Sqrt(variance + 1e-5);
        }
        TensorAssert.Close(expected, y, abs: 1e-5);
    }

    [Fact]
    public void LayerNorm_Backward_MatchesFiniteDifferences()
    {
        GradCheck.Check(t => t[0].LayerNorm([4], t[1], t[2]),
            RandomData.Uniform(5, [3, 4]), RandomData.Uniform(6, [4]), RandomData.Uniform(7, [4]));
        GradCheck.Check(t => t[0].LayerNorm([2, 3]), RandomData.Uniform(8, [2, 2, 3]));
        GradCheck.Check(t => t[0].Transpose(0, 1).LayerNorm([3], t[1]), RandomData.Uniform(9, [3, 2]), RandomData.Uniform(10, [3]));
    }

    [Fact]
    public void LayerNorm_WithAMismatchedShape_Throws()
    {
        using var x = Tensor.Ones([2, 3]);
        var error = Assert.Throws<ArgumentException>(() => x.LayerNorm([4]));
        Assert.Contains("layer_norm", error.Message);
        Assert.Contains("[2,3]", error.Message);
    }
}
