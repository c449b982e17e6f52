using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Optimizers;

/// <summary>ClipGradNorm against the norm and scale computed by hand in double.</summary>
public sealed class GradClipTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(0.5, 2.0)]
    [InlineData(100.0, 2.0)]
    [InlineData(0.5, 1.0)]
    [InlineData(0.5, double.PositiveInfinity)]
    public void ClipGradNorm_ScalesToMaxNormAndReturnsTotal(double maxNorm, double normType)
    {
        using var scope = new DisposeScope();
        float[][] grads = [[0.5f, -1.25f, 2f], [3f, -0.75f, 0.1f, -2.5f, 1f]];
        Tensor[] parameters = [Parameter([3], grads[0]), Parameter([2, 2], null), Parameter([5], grads[1])];

        double total = GradClip.ClipGradNorm(parameters, maxNorm, normType);

        var all = grads.SelectMany(g => g).Select(v => (double)v).ToArray();
        double expectedTotal = double.IsPositiveInfinity(normType)
            ? all.Max(Math.Abs)
            : Math.Pow(all.Sum(v => Math.Pow(Math.Abs(v), normType)), 1 / normType);
        Assert.Equal(expectedTotal, total, Tolerance);
        double scale = Math.Min(1, maxNorm / (expectedTotal + 1e-6));
        Assert.Null(parameters[1].Grad);
        for (int p = 0; p < 2; p++)
        {
            float[] clipped = parameters[p == 0 ? 0 : 2].Grad!.ToArray();
            for (int i = 0; i < clipped.Length; i++)
                Assert.Equal(grads[p][i] * scale, clipped[i], Tolerance);
        }
    }

    [Fact]
    public void ClipGradNorm_WithoutGradients_ReturnsZero()
    {
        using var parameter = Tensor.Ones([2]).RequiresGradient();
        Assert.Equal(0, GradClip.ClipGradNorm([parameter], 1.0));
    }

    [Fact]
    public void ClipGradNorm_RejectsBadNormType()
    {
        using var parameter = Tensor.Ones([2]).RequiresGradient();
        Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm([parameter], 1.0, normType: 0));
    }

    private static Tensor Parameter(int[] shape, float[]? grad)
    {
        var parameter = Tensor.Zeros(shape).RequiresGradient();
        if (grad is not null)
            parameter.Grad = Tensor.FromArray(grad, shape);
        return parameter;
    }
}
