using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>softmax and log_softmax along any dim: forward against double, stability, gradchecks.</summary>
public class SoftmaxTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Softmax_Backward_MatchesFiniteDifferences(int dim) =>
        GradCheck.Check(t => t[0].Softmax(dim), RandomData.Uniform(1, [2, 3, 4], -2f, 2f));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-2)]
    public void LogSoftmax_Backward_MatchesFiniteDifferences(int dim) =>
        GradCheck.Check(t => t[0].LogSoftmax(dim), RandomData.Uniform(2, [2, 3, 4], -2f, 2f));

    [Fact]
    public void OnTransposedInput_Backward_MatchesFiniteDifferences()
    {
        GradCheck.Check(t => t[0].T.Softmax(1), RandomData.Uniform(3, [4, 3], -2f, 2f));
        GradCheck.Check(t => t[0].T.LogSoftmax(0), RandomData.Uniform(4, [4, 3], -2f, 2f));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Forward_MatchesReference(int dim)
    {
        var (data, shape) = RandomData.Uniform(5, [3, 4], -3f, 3f);
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(data, shape);
        var (softmax, logSoftmax) = Reference(data, 3, 4, dim);
        TensorAssert.Close(softmax, x.Softmax(dim), abs: 1e-6);
        TensorAssert.Close(logSoftmax, x.LogSoftmax(dim), abs: 1e-5);
    }

    [Fact]
    public void LargeLogits_StayFinite()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1000f, 0f, -1000f, 999f], [1, 4]);
        var p = x.Softmax(1).ToArray();
        var logP = x.LogSoftmax(1).ToArray();
        Assert.All(p, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(-0.31326f, logP[0], 4);
        Assert.Equal(-2000.31326f, logP[2], 2);
    }

    [Property(MaxTest = 50)]
    public void Softmax_RowsSumToOne(byte rows, byte cols, byte scale, int seed)
    {
        int m = 1 + rows % 6, n = 1 + cols % 40;
        var (data, shape) = RandomData.Uniform(seed, [m, n], -1f - scale, 1f + scale);
        using var scope = new DisposeScope();
        var sums = Tensor.FromArray(data, shape).Softmax(-1).Sum(-1).ToArray();
        Assert.All(sums, s => Assert.Equal(1.0, s, 1e-5));
    }

    private static (double[] Softmax, double[] LogSoftmax) Reference(float[] data, int rows, int cols, int dim)
    {
        var soft = new double[data.Length];
        var log = new double[data.Length];
        int outer = dim == 0 ? cols : rows, inner = dim == 0 ? rows : cols;
        for (int o = 0; o < outer; o++)
        {
            int At(int i) => dim == 0 ? i * cols + o : o * cols + i;
            double max = Enumerable.Range(0, inner).Max(i => (double)data[At(i)]);
            double logSum = Math.Log(Enumerable.Range(0, inner).Sum(i => Math.Exp(data[At(i)] - max))) + max;
            for (int i = 0; i < inner; i++)
            {
                log[At(i)] = data[At(i)] - logSum;
                soft[At(i)] = Math.Exp(log[At(i)]);
            }
        }
        return (soft, log);
    }
}
