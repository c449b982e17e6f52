using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;
using DeepNet.Autograd;

namespace DeepNet.Tests.Tensors;

/// <summary>The in-place arithmetic of Tensor.InPlaceMath.cs (and AddInPlace with alpha) against scalar loops in double.</summary>
public sealed class InPlaceMathTests
{
    private const double Tolerance = 1e-5;

    private static readonly int[] Shape = [3, 37];

    [Fact]
    public void AddInPlace_WithAlpha_MatchesNaive() =>
        Check((x, a, b) => x.AddInPlace(a, -0.3f), (x, a, b) => x - 0.3 * a);

    [Fact]
    public void AddInPlace_Scalar_MatchesNaive() =>
        Check((x, a, b) => x.AddInPlace(0.25f), (x, a, b) => x + 0.25);

    [Fact]
    public void SqrtInPlace_MatchesNaive() =>
        Check((x, a, b) => x.SqrtInPlace(), (x, a, b) => Math.Sqrt(x));

    [Fact]
    public void MaximumInPlace_MatchesNaive() =>
        Check((x, a, b) => x.MaximumInPlace(a), (x, a, b) => Math.Max(x, a));

    [Fact]
    public void AddcMulInPlace_MatchesNaive() =>
        Check((x, a, b) => x.AddcMulInPlace(a, b, 0.7f), (x, a, b) => x + 0.7 * a * b);

    [Fact]
    public void AddcMulInPlace_OfATensorWithItself_MatchesNaive() =>
        Check((x, a, b) => x.AddcMulInPlace(a, a, -0.4f), (x, a, b) => x - 0.4 * a * a);

    [Fact]
    public void AddcDivInPlace_MatchesNaive() =>
        Check((x, a, b) => x.AddcDivInPlace(a, b, 1.5f), (x, a, b) => x + 1.5 * a / b);

    [Fact]
    public void AddcMulInPlace_BroadcastsARow()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Zeros([2, 3]);
        var row = Tensor.FromArray([1f, 2f, 3f]);
        x.AddcMulInPlace(row, row, 2f);
        Assert.Equal([2f, 8f, 18f, 2f, 8f, 18f], x.ToArray());
    }

    [Fact]
    public void InPlaceUpdates_OfAGradRequiringLeaf_AreRefusedWithGradModeOn()
    {
        using var scope = new DisposeScope();
        var leaf = Tensor.Ones([2]).RequiresGradient();
        var other = Tensor.Ones([2]);
        Assert.Throws<InvalidOperationException>(() => leaf.AddcDivInPlace(other, other));
        Assert.Throws<InvalidOperationException>(() => leaf.SqrtInPlace());
        using (GradMode.NoGrad())
            leaf.AddcDivInPlace(other, other);
        Assert.Equal([2f, 2f], leaf.ToArray());
    }

    private static void Check(Action<Tensor, Tensor, Tensor> inPlace, Func<double, double, double, double> naive)
    {
        using var scope = new DisposeScope();
        var (x, _) = RandomData.Positive(1, Shape);
        var (a, _) = RandomData.Uniform(2, Shape);
        var (b, _) = RandomData.Positive(3, Shape);
        var target = Tensor.FromArray(x, Shape);
        inPlace(target, Tensor.FromArray(a, Shape), Tensor.FromArray(b, Shape));
        float[] actual = target.ToArray();
        for (int i = 0; i < x.Length; i++)
            Assert.Equal(naive(x[i], a[i], b[i]), actual[i], Tolerance);
    }
}
