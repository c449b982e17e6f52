using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>max_pool2d and avg_pool2d: forward against direct loops, gradchecks for kernel, stride and padding.</summary>
public class PoolingTests
{
    [Property(MaxTest = 40)]
    public void Forward_MatchesDirectLoops_ForRandomGeometry(byte kernel, byte strides, byte pads, byte sizes, int seed)
    {
        int r = 1 + kernel % 3, s = 1 + kernel / 3 % 3;
        int sh = 1 + strides % 3, sw = 1 + strides / 3 % 3;
        int ph = pads % 2 * (r / 2), pw = pads / 2 % 2 * (s / 2);
        int h = r + sizes % 4, w = s + sizes / 4 % 4;
        var x = RandomData.Uniform(seed, [2, 2, h, w]);
        using var scope = new DisposeScope();
        var input = Tensor.FromArray(x.Data, x.Shape);
        var max = input.MaxPool2D((r, s), (sh, sw), (ph, pw));
        var avg = input.AvgPool2D((r, s), (sh, sw), (ph, pw));
        var (expectedMax, shape) = Naive(x, (r, s), (sh, sw), (ph, pw), isMax: true);
        var (expectedAvg, _) = Naive(x, (r, s), (sh, sw), (ph, pw), isMax: false);
        TensorAssert.ShapeIs(shape, max);
        TensorAssert.ShapeIs(shape, avg);
        TensorAssert.Close(expectedMax, max);
        TensorAssert.Close(expectedAvg, avg);
    }

    public static TheoryData<int, int, int, int, int, int> Geometries => new()
    {
        { 2, 2, 2, 2, 0, 0 },
        { 3, 3, 1, 1, 1, 1 },
        { 3, 2, 2, 1, 1, 0 },
        { 2, 3, 1, 2, 0, 1 },
        { 1, 1, 2, 2, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxPool_Backward_MatchesFiniteDifferences(int r, int s, int sh, int sw, int ph, int pw) =>
        GradCheck.Check(t => t[0].MaxPool2D((r, s), (sh, sw), (ph, pw)), RandomData.Distinct(1, [1, 2, 5, 4]));

    [Theory]
    [MemberData(nameof(Geometries))]
    public void AvgPool_Backward_MatchesFiniteDifferences(int r, int s, int sh, int sw, int ph, int pw) =>
        GradCheck.Check(t => t[0].AvgPool2D((r, s), (sh, sw), (ph, pw)), RandomData.Uniform(2, [1, 2, 5, 4]));

    [Fact]
    public void MaxPool_OnTransposedInput_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].Transpose(2, 3).MaxPool2D((2, 2), (1, 2)), RandomData.Distinct(3, [2, 1, 4, 3]));

    [Fact]
    public void AvgPool_StrideDefaultsToKernel()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(16).Reshape(1, 1, 4, 4);
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], x.AvgPool2D((2, 2)).ToArray());
        Assert.Equal([5f, 7f, 13f, 15f], x.MaxPool2D((2, 2)).ToArray());
    }

    private static (double[] Values, int[] Shape) Naive((float[] Data, int[] Shape) x, (int H, int W) kernel,
        (int H, int W) stride, (int H, int W) pad, bool isMax)
    {
        int planes = x.Shape[0] * x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int p = (h + 2 * pad.H - kernel.H) / stride.H + 1, q = (w + 2 * pad.W - kernel.W) / stride.W + 1;
        var y = new double[planes * p * q];
        for (int plane = 0; plane < planes; plane++)
        for (int pi = 0; pi < p; pi++)
        for (int qi = 0; qi < q; qi++)
        {
            double acc = isMax ? double.NegativeInfinity : 0;
            for (int ri = 0; ri < kernel.H; ri++)
            for (int si = 0; si < kernel.W; si++)
            {
                int hi = pi * stride.H - pad.H + ri, wi = qi * stride.W - pad.W + si;
                bool inside = hi >= 0 && hi < h && wi >= 0 && wi < w;
                double v = inside ? x.Data[(plane * h + hi) * w + wi] : isMax ? double.NegativeInfinity : 0;
                acc = isMax ? Math.Max(acc, v) : acc + v;
            }
            y[(plane * p + pi) * q + qi] = isMax ? acc : acc / (kernel.H * kernel.W);
        }
        return (y, [x.Shape[0], x.Shape[1], p, q]);
    }
}
