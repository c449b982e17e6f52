using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Pooling options as torch: ceil_mode, dilation and return_indices for max_pool2d, ceil_mode and
/// count_include_pad for avg_pool2d, against loops that follow ATen's CPU kernels.
/// </summary>
public class PoolingOptionsTests
{
    [Property(MaxTest = 40)]
    public void Forward_MatchesTorchsLoops_ForRandomOptions(byte kernel, byte strides, byte pads, byte sizes, byte flags, int seed)
    {
        int r = 1 + kernel % 3, s = 1 + kernel / 3 % 3;
        int sh = 1 + strides % 3, sw = 1 + strides / 3 % 3;
        int ph = pads % 2 * (r / 2), pw = pads / 2 % 2 * (s / 2);
        int dh = 1 + flags / 4 % 2, dw = 1 + flags / 8 % 2;
        int h = dh * (r - 1) + 1 + sizes % 4, w = dw * (s - 1) + 1 + sizes / 4 % 4;
        bool ceil = flags % 2 == 1, includePad = flags / 2 % 2 == 1;
        var x = RandomData.Uniform(seed, [2, 1, h, w]);
        using var scope = new DisposeScope();
        var input = Tensor.FromArray(x.Data, x.Shape);
        var (values, indices) = input.MaxPool2DWithIndices((r, s), (sh, sw), (ph, pw), (dh, dw), ceil);
        var max = Naive(x.Data, 2, h, w, (r, s), (sh, sw), (ph, pw), (dh, dw), ceil, isMax: true, includePad);
        TensorAssert.ShapeIs([2, 1, max.P, max.Q], values);
        TensorAssert.Close(max.Values, values);
        Assert.Equal(DType.Int64, indices.DType);
        Assert.Equal(max.Indices.Select(i => (long)i), indices.ToArray<long>());
        TensorAssert.Close(max.Values, input.MaxPool2D((r, s), (sh, sw), (ph, pw), (dh, dw), ceil));
        var avg = Naive(x.Data, 2, h, w, (r, s), (sh, sw), (ph, pw), (1, 1), ceil, isMax: false, includePad);
        var pooled = input.AvgPool2D((r, s), (sh, sw), (ph, pw), ceil, includePad);
        TensorAssert.ShapeIs([2, 1, avg.P, avg.Q], pooled);
        TensorAssert.Close(avg.Values, pooled);
    }

    [Fact]
    public void CeilModeAndCountIncludePad_MatchValuesFromTorch()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(25).Reshape(1, 1, 5, 5);
        // torch: F.max_pool2d(x, 2, ceil_mode=True) → [[6, 8, 9], [16, 18, 19], [21, 23, 24]]
        Assert.Equal([6f, 8f, 9f, 16f, 18f, 19f, 21f, 23f, 24f], x.MaxPool2D((2, 2), ceilMode: true).ToArray());
        // torch: F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False)[0, 0, 0] → [3, 4.5, 6]
        TensorAssert.Close([3.0, 4.5, 6.0], x.AvgPool2D((3, 3), (2, 2), (1, 1), countIncludePad: false).Narrow(2, 0, 1));
        // with count_include_pad (the default) the corner divides by 9: (0 + 1 + 5 + 6) / 9
        Assert.Equal(12f / 9f, x.AvgPool2D((3, 3), (2, 2), (1, 1)).ToArray()[0], 5);
    }

    [Fact]
    public void Options_Backward_MatchFiniteDifferences()
    {
        var x = RandomData.Distinct(3, [1, 2, 5, 6]);
        GradCheck.Check(t => t[0].MaxPool2DWithIndices((2, 3), (2, 2), (1, 1), (2, 1), ceilMode: true).Values, x);
        GradCheck.Check(t => t[0].AvgPool2D((3, 2), (2, 2), (1, 1), ceilMode: true, countIncludePad: false), x);
    }

    [Fact]
    public void Layers_CarryTheOptions()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(25).Reshape(1, 1, 5, 5);
        using var max = new MaxPool2D(2, ceilMode: true);
        var (values, indices) = max.ForwardWithIndices(x);
        Assert.Equal(max.Forward(x).ToArray(), values.ToArray());
        Assert.Equal([6L, 8, 9, 16, 18, 19, 21, 23, 24], indices.ToArray<long>());
        using var avg = new AvgPool2D(3, 2, 1, countIncludePad: false);
        Assert.Equal(3f, avg.Forward(x).ToArray()[0], 5);
    }

    private static (double[] Values, float[] Indices, int P, int Q) Naive(float[] x, int planes, int h, int w, (int H, int W) k,
        (int H, int W) s, (int H, int W) p, (int H, int W) d, bool ceil, bool isMax, bool includePad)
    {
        int outH = OutSize(h, k.H, s.H, p.H, d.H, ceil), outW = OutSize(w, k.W, s.W, p.W, d.W, ceil);
        var values = new List<double>();
        var indices = new List<float>();
        for (int c = 0; c < planes; c++)
            for (int i = 0; i < outH; i++)
                for (int j = 0; j < outW; j++)
                {
                    int h0 = i * s.H - p.H, w0 = j * s.W - p.W;
                    if (isMax)
                    {
                        double best = double.NegativeInfinity;
                        int at = -1;
                        for (int a = 0; a < k.H; a++)
                            for (int b = 0; b < k.W; b++)
                            {
                                int y = h0 + a * d.H, z = w0 + b * d.W;
                                if (y < 0 || y >= h || z < 0 || z >= w) continue;
                                if (x[(c * h + y) * w + z] > best) { best = x[(c * h + y) * w + z]; at = y * w + z; }
                            }
                        values.Add(best);
                        indices.Add(at);
                        continue;
                    }
                    // ATen's avg_pool2d: the divisor counts the symmetric padding but not the ceil overhang.
                    int h1 = Math.Min(h0 + k.H, h + p.H), w1 = Math.Min(w0 + k.W, w + p.W);
                    int poolSize = (h1 - h0) * (w1 - w0);
                    int ys = Math.Max(h0, 0), zs = Math.Max(w0, 0), ye = Math.Min(h1, h), ze = Math.Min(w1, w);
                    double sum = 0;
                    for (int y = ys; y < ye; y++)
                        for (int z = zs; z < ze; z++) sum += x[(c * h + y) * w + z];
                    values.Add(sum / (includePad ? poolSize : (ye - ys) * (ze - zs)));
                }
        return ([.. values], [.. indices], outH, outW);
    }

    private static int OutSize(int size, int k, int s, int p, int d, bool ceil)
    {
        int span = size + 2 * p - d * (k - 1) - 1;
        int o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= size + p) o--;
        return o;
    }
}
