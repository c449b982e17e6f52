using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>Conv2D (Im2Col → MatMul): forward against a direct loop in double, gradchecks for every option.</summary>
public class Conv2DTests
{
    [Property(MaxTest = 40)]
    public void Forward_MatchesDirectLoop_ForRandomGeometry(byte sizes, byte kernel, byte strides, byte pads, byte dilations,
        bool grouped, bool withBias, int seed)
    {
        int groups = grouped ? 2 : 1;
        int n = 1 + sizes % 2, c = groups * (1 + sizes / 2 % 2), k = groups * (1 + sizes / 4 % 2);
        int r = 1 + kernel % 3, s = 1 + kernel / 3 % 3;
        int sh = 1 + strides % 3, sw = 1 + strides / 3 % 3;
        int dh = 1 + dilations % 2, dw = 1 + dilations / 2 % 2;
        int ph = pads % 3, pw = pads / 3 % 3;
        // The input is at least as large as the dilated kernel so every geometry is valid.
        int h = dh * (r - 1) + 1 + sizes / 8 % 5, w = dw * (s - 1) + 1 + sizes / 64 % 4;
        var x = RandomData.Uniform(seed, [n, c, h, w]);
        var weight = RandomData.Uniform(seed + 1, [k, c / groups, r, s]);
        var bias = RandomData.Uniform(seed + 2, [k]);
        using var scope = new DisposeScope();
        var y = Tensor.FromArray(x.Data, x.Shape).Conv2D(Tensor.FromArray(weight.Data, weight.Shape),
            withBias ? Tensor.FromArray(bias.Data, bias.Shape) : null, (sh, sw), (ph, pw), (dh, dw), groups);
        var (expected, shape) = Naive(x, weight, withBias ? bias.Data : null, (sh, sw), (ph, pw), (dh, dw), groups);
        TensorAssert.ShapeIs(shape, y);
        TensorAssert.Close(expected, y, abs: 1e-5, rel: 1e-4);
    }

    [Theory]
    [InlineData(1, 1, 0, 0, 1, 1, 1, false)]
    [InlineData(2, 1, 1, 1, 1, 1, 1, true)]
    [InlineData(1, 2, 0, 1, 1, 1, 1, true)]
    [InlineData(1, 1, 1, 0, 2, 1, 1, false)]
    [InlineData(2, 2, 1, 1, 1, 2, 1, true)]
    [InlineData(1, 1, 1, 1, 1, 1, 2, true)]
    [InlineData(2, 1, 0, 1, 2, 2, 2, false)]
    public void Backward_MatchesFiniteDifferences(int sh, int sw, int ph, int pw, int dh, int dw, int groups, bool withBias)
    {
        var x = RandomData.Uniform(1, [2, 2, 5, 4]);
        var weight = RandomData.Uniform(2, [2, 2 / groups, 2, 2]);
        if (withBias)
            GradCheck.Check(t => t[0].Conv2D(t[1], t[2], (sh, sw), (ph, pw), (dh, dw), groups), x, weight, RandomData.Uniform(3, [2]));
        else
            GradCheck.Check(t => t[0].Conv2D(t[1], null, (sh, sw), (ph, pw), (dh, dw), groups), x, weight);
    }

    [Fact]
    public void OnPermutedInput_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].Permute(0, 3, 1, 2).Conv2D(t[1], padding: (1, 0)),
            RandomData.Uniform(4, [1, 4, 3, 2]), RandomData.Uniform(5, [2, 2, 3, 2]));

    [Fact]
    public void OnBatchNarrowedInput_ReadsTheNarrowedImages()
    {
        // Narrowing dim 0 gives a dense view with a nonzero offset: the kernel must honour the offset.
        var x = RandomData.Uniform(6, [3, 1, 3, 3]);
        var weight = RandomData.Uniform(7, [1, 1, 2, 2]);
        using var scope = new DisposeScope();
        var y = Tensor.FromArray(x.Data, x.Shape).Narrow(0, 1, 2).Conv2D(Tensor.FromArray(weight.Data, weight.Shape));
        var (expected, _) = Naive((x.Data[9..], [2, 1, 3, 3]), weight, null, (1, 1), (0, 0), (1, 1), 1);
        TensorAssert.Close(expected, y);
        GradCheck.Check(t => t[0].Narrow(0, 1, 2).Conv2D(t[1]), x, weight);
    }

    [Fact]
    public void GradientArrivingWithAnOffset_IsReadFromItsOffset()
    {
        // cat's backward hands each part a dense narrow of the output gradient with a nonzero offset.
        var x = RandomData.Uniform(8, [1, 1, 3, 3]);
        var weight = RandomData.Uniform(9, [1, 1, 2, 2]);
        GradCheck.Check(t => Tensor.Cat([t[2], t[0].Conv2D(t[1])], 0), x, weight, RandomData.Uniform(10, [1, 1, 2, 2]));
    }

    private static (double[] Values, int[] Shape) Naive((float[] Data, int[] Shape) x, (float[] Data, int[] Shape) weight,
        float[]? bias, (int H, int W) stride, (int H, int W) pad, (int H, int W) dilation, int groups)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int k = weight.Shape[0], cg = weight.Shape[1], r = weight.Shape[2], s = weight.Shape[3];
        int p = (h + 2 * pad.H - dilation.H * (r - 1) - 1) / stride.H + 1;
        int q = (w + 2 * pad.W - dilation.W * (s - 1) - 1) / stride.W + 1;
        var y = new double[n * k * p * q];
        for (int ni = 0; ni < n; ni++)
        for (int ki = 0; ki < k; ki++)
        for (int pi = 0; pi < p; pi++)
        for (int qi = 0; qi < q; qi++)
        {
            double sum = bias?[ki] ?? 0;
            int group = ki / (k / groups);
            for (int ci = 0; ci < cg; ci++)
            for (int ri = 0; ri < r; ri++)
            for (int si = 0; si < s; si++)
            {
                int hi = pi * stride.H - pad.H + ri * dilation.H, wi = qi * stride.W - pad.W + si * dilation.W;
                if (hi < 0 || hi >= h || wi < 0 || wi >= w) continue;
                int channel = group * cg + ci;
                sum += (double)x.Data[((ni * c + channel) * h + hi) * w + wi] * weight.Data[((ki * cg + ci) * r + ri) * s + si];
            }
            y[((ni * k + ki) * p + pi) * q + qi] = sum;
        }
        return (y, [n, k, p, q]);
    }
}
