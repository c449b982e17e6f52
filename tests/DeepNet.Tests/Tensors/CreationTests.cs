using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>Constants, ranges, host arrays, seeded random tensors, item and ToArray.</summary>
public class CreationTests
{
    [Fact]
    public void ZerosOnesFull_FillEveryElement()
    {
        using var scope = new DisposeScope();
        Assert.All(Tensor.Zeros([2, 3]).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(Tensor.Ones([4]).ToArray(), v => Assert.Equal(1f, v));
        var full = Tensor.Full([2, 1, 2], -2.5f);
        TensorAssert.ShapeIs([2, 1, 2], full);
        Assert.Equal([-2.5f, -2.5f, -2.5f, -2.5f], full.ToArray());
        Assert.Equal(7f, Tensor.Scalar(7f).Item());
        Assert.Equal(0, Tensor.Scalar(7f).Rank);
        TensorAssert.ShapeIs([2, 3], Tensor.ZerosLike(full.Reshape(2, 2).Narrow(1, 0, 1).Expand(2, 3)));
        Assert.Empty(Tensor.Zeros([0, 3]).ToArray());
    }

    [Fact]
    public void Arange_And_Linspace_MatchTorch()
    {
        using var scope = new DisposeScope();
        Assert.Equal([0f, 1f, 2f, 3f, 4f], Tensor.Arange(5).ToArray());
        Assert.Equal([1f, 1.5f, 2f, 2.5f], Tensor.Arange(1f, 3f, 0.5f).ToArray());
        Assert.Equal([5f, 3f, 1f], Tensor.Arange(5f, 0f, -2f).ToArray());
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f, 1f], Tensor.Linspace(0f, 1f, 5).ToArray());
        Assert.Equal([3f], Tensor.Linspace(3f, 9f, 1).ToArray());
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0f, 5f, -1f));
        Assert.Throws<ArgumentException>(() => Tensor.Linspace(0f, 1f, 0));
    }

    [Fact]
    public void FromArray_KeepsRowMajorOrder_From1dTo4d()
    {
        using var scope = new DisposeScope();
        var one = Tensor.FromArray([1f, 2f, 3f]);
        var two = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var three = Tensor.FromArray(new float[,,] { { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } } });
        var four = Tensor.FromArray(new float[,,,] { { { { 1, 2, 3 } }, { { 4, 5, 6 } } } });
        TensorAssert.ShapeIs([3], one);
        TensorAssert.ShapeIs([2, 3], two);
        TensorAssert.ShapeIs([2, 2, 2], three);
        TensorAssert.ShapeIs([1, 2, 1, 3], four);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], two.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], three.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], four.ToArray());
        Assert.Equal(6f, two.Select(0, 1).Select(0, 2).Item());
        Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], [2, 2]));
    }

    [Fact]
    public void FromArray_CopiesTheHostData()
    {
        var data = new[] { 1f, 2f };
        using var x = Tensor.FromArray(data);
        data[0] = 99f;
        Assert.Equal([1f, 2f], x.ToArray());
    }

    [Fact]
    public void Random_WithTheSameSeed_GivesTheSameNumbers()
    {
        using var scope = new DisposeScope();
        Assert.Equal(Tensor.Rand([50], new Generator(42)).ToArray(), Tensor.Rand([50], new Generator(42)).ToArray());
        Assert.Equal(Tensor.Randn([50], new Generator(42)).ToArray(), Tensor.Randn([50], new Generator(42)).ToArray());
        Assert.Equal(Tensor.RandInt(0, 10, [50], new Generator(42)).ToArray(), Tensor.RandInt(0, 10, [50], new Generator(42)).ToArray());
        Assert.NotEqual(Tensor.Rand([50], new Generator(42)).ToArray(), Tensor.Rand([50], new Generator(43)).ToArray());
        var g = new Generator(42);
        Assert.NotEqual(Tensor.Rand([50], g).ToArray(), Tensor.Rand([50], g).ToArray());
    }

    [Fact]
    public void Rand_IsUniformInRange_AndRandnIsStandardNormal()
    {
        using var scope = new DisposeScope();
        var u = Tensor.Rand([20000], new Generator(1), low: -2f, high: 3f).ToArray();
        Assert.All(u, v => Assert.InRange(v, -2f, 3f));
        Assert.Equal(0.5, u.Average(), 0.05);
        var n = Tensor.Randn([20000], new Generator(2), mean: 1f, std: 2f).ToArray();
        double mean = n.Average(), std = Math.Sqrt(n.Sum(v => (v - mean) * (v - mean)) / n.Length);
        Assert.Equal(1.0, mean, 0.05);
        Assert.Equal(2.0, std, 0.05);
    }

    [Fact]
    public void RandInt_GivesIntegersInTheHalfOpenRange_HittingEveryValue()
    {
        using var scope = new DisposeScope();
        var values = Tensor.RandInt(-3, 4, [2000], new Generator(5)).ToArray();
        Assert.All(values, v => Assert.Equal(MathF.Floor(v), v));
        Assert.Equal(Enumerable.Range(-3, 7).Select(i => (float)i), values.Distinct().Order());
        Assert.Throws<ArgumentException>(() => Tensor.RandInt(2, 2, [1]));
    }

    [Fact]
    public void ToArray_OfAView_GivesTheViewsElements()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(12).Reshape(3, 4);
        Assert.Equal([4f, 5f, 6f, 7f], x.Select(0, 1).ToArray());
        Assert.Equal([1f, 5f, 9f], x.Select(1, 1).ToArray());
        Assert.Equal(9f, x.T.Select(0, 1).Select(0, 2).Item());
    }

    [Fact]
    public void Detach_SharesDataButLeavesTheGraph()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var y = x.Mul(3f);
        var d = y.Detach();
        Assert.False(d.RequiresGrad);
        Assert.Null(d.GradFn);
        Assert.Equal([3f, 6f], d.ToArray());
        var z = d.Mul(x).Sum();
        z.Backward();
        Assert.Equal([3f, 6f], x.Grad!.ToArray());
    }

    [Fact]
    public void To_TheSameDevice_KeepsTheGraph() =>
        GradCheck.Check(t => t[0].Mul(t[0]).To(Device.Cpu), RandomData.Uniform(5, [2, 2]));

    [Fact]
    public void ZeroGrad_ClearsTheGradient_SoTheNextBackwardStartsFresh()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        x.Mul(2f).Sum().Backward();
        x.Mul(2f).Sum().Backward();
        Assert.Equal([4f, 4f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Null(x.Grad);
        x.Mul(5f).Sum().Backward();
        Assert.Equal([5f, 5f], x.Grad!.ToArray());
    }
}
