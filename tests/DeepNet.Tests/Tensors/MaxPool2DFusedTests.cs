using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The max-pool primitive (Kernels/Fused/MaxPool2D: argmax forward, scatter backward) against
/// torch's loops written naively here (the first maximum in window order wins, padding skipped):
/// values, indices and the input gradient, for padding, ceil mode, dilation and overlapping
/// windows at awkward sizes. Run on the CPU, the GPU emulator (the ILGPU kernels) and CUDA.
/// </summary>
public abstract class MaxPool2DFusedTests
{
    protected abstract Device Device { get; }

    private static readonly (int[] Shape, (int, int) Kernel, (int, int) Stride, (int, int) Padding, (int, int) Dilation, bool CeilMode)[] Options =
    [
        ([2, 3, 28, 28], (2, 2), (2, 2), (0, 0), (1, 1), false),   // the MNIST / LeNet pool
        ([1, 2, 13, 37], (2, 2), (2, 2), (0, 0), (1, 1), false),   // 2×2: odd sizes leave a row and a column no window covers
        ([2, 2, 26, 26], (2, 2), (2, 2), (0, 0), (1, 1), false),   // the MNIST CNN's first pool: Q = 13, one vector and a tail
        ([2, 3, 11, 11], (2, 2), (2, 2), (0, 0), (1, 1), false),   // its second pool: Q = 5, two overlapping 4-wide groups, an odd edge
        ([1, 2, 7, 9], (3, 3), (2, 2), (1, 1), (1, 1), false),     // overlapping windows, padding
        ([1, 2, 7, 9], (3, 2), (2, 3), (1, 1), (1, 1), true),      // ceil mode
        ([2, 1, 11, 10], (3, 3), (1, 2), (1, 0), (2, 2), true),    // dilation
        ([1, 1, 5, 5], (2, 2), (3, 3), (1, 1), (1, 1), true),      // ceil-mode window starting in the input
    ];

    [ParityFact]
    public void MaxPool2D_MatchesTorchsLoops_ValuesIndicesAndGradient()
    {
        foreach (var (shape, kernel, stride, padding, dilation, ceilMode) in Options)
            Check(shape, kernel, stride, padding, dilation, ceilMode);
    }

    private void Check(int[] shape, (int, int) kernel, (int, int) stride, (int, int) padding, (int, int) dilation, bool ceilMode)
    {
        var (data, _) = RandomData.Uniform(shape.Sum(), shape, -3f, 3f);
        var expected = Reference(data, shape, kernel, stride, padding, dilation, ceilMode);
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(data, shape, Device).RequiresGradient();
        var (values, indices) = x.MaxPool2DWithIndices(kernel, stride, padding, dilation, ceilMode);
        Assert.Equal(expected.Shape, values.Shape.ToArray());
        Assert.Equal(expected.Values, values.ToArray());
        Assert.Equal(DType.Int64, indices.DType);
        Assert.Equal(expected.Indices.Select(f => (long)f), indices.ToArray<long>());
        var weights = Tensor.FromArray(expected.Weights, expected.Shape, Device);
        (values * weights).Sum().Backward();
        CompositeCheck.AssertClose(expected.Grad, x.Grad!.ToArray(), "max_pool2d grad", 1e-6f);
        Assert.Equal(values.ToArray(), x.MaxPool2D(kernel, stride, padding, dilation, ceilMode).ToArray());
    }

    [ParityFact]
    public void MaxPool2D_WithTies_PicksTheFirstInWindowOrder()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Ones([1, 1, 4, 4], Device).RequiresGradient();
        var (values, indices) = x.MaxPool2DWithIndices((2, 2), (1, 1));
        Assert.Equal([0L, 1, 2, 4, 5, 6, 8, 9, 10], indices.ToArray<long>());
        values.Sum().Backward();
        Assert.Equal([1f, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0], x.Grad!.ToArray());
    }

    [ParityFact]
    public void MaxPool2D_2x2_WithTiesAndNaN_FollowsTorch()
    {
        // 2×2 / stride 2 over 40 columns: the vector path on the CPU. Ties keep the window's first
        // element; a NaN takes over (torch's `val > max || isnan(val)`).
        var data = Enumerable.Repeat(1f, 2 * 2 * 40).ToArray();
        data[40 + 5] = float.NaN;   // row 1, column 5: window (0, 2), its (1, 1) element
        data[40 + 7] = 2f;          // row 1, column 7: window (0, 3), its (1, 1) element
        using var scope = new DisposeScope();
        var (values, indices) = Tensor.FromArray(data, [2, 1, 2, 40], Device).MaxPool2DWithIndices((2, 2));
        var v = values.ToArray();
        var i = indices.ToArray<long>();
        Assert.Equal(40, v.Length);
        Assert.True(float.IsNaN(v[2]));
        Assert.Equal(45L, i[2]);
        Assert.Equal((2f, 47L), (v[3], i[3]));
        for (int k = 0; k < 40; k++)
            if (k is not 2 and not 3) Assert.Equal((1f, (long)(2 * (k % 20))), (v[k], i[k]));
    }

    [ParityFact]
    public void MaxPool2D_OnStridedInput_Backward_MatchesFiniteDifferences()
    {
        // Distinct values 0.1 apart, so the finite-difference steps never swap a window's maximum.
        var rng = new Random(12);
        var data = Enumerable.Range(0, 60).Select(i => i * 0.1f - 3f).OrderBy(_ => rng.Next()).ToArray();
        GradCheck.Check(t => t[0].Permute(0, 1, 3, 2).MaxPool2D((2, 3), (1, 2), (1, 1), ceilMode: true), Device, (data, [1, 2, 6, 5]));
    }

    private static (int[] Shape, float[] Values, float[] Indices, float[] Weights, float[] Grad) Reference(float[] x, int[] shape,
        (int H, int W) k, (int H, int W) s, (int H, int W) p, (int H, int W) d, bool ceil)
    {
        int planes = shape[0] * shape[1], h = shape[2], w = shape[3];
        int Out(int size, int kk, int ss, int pp, int dd)
        {
            int span = size + 2 * pp - dd * (kk - 1) - 1;
            int o = (ceil ? (span + ss - 1) / ss : span / ss) + 1;
            if (ceil && (o - 1) * ss >= size + pp) o--;
            return o;
        }
        int oh = Out(h, k.H, s.H, p.H, d.H), ow = Out(w, k.W, s.W, p.W, d.W);
        var values = new float[planes * oh * ow];
        var indices = new float[values.Length];
        var weights = values.Select((_, i) => 0.5f + 0.25f * (i % 7)).ToArray();
        var grad = new float[x.Length];
        for (int c = 0; c < planes; c++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    float best = float.NegativeInfinity;
                    int at = -1;
                    for (int r = 0; r < k.H; r++)
                        for (int t = 0; t < k.W; t++)
                        {
                            int y = i * s.H - p.H + r * d.H, z = j * s.W - p.W + t * d.W;
                            if (y < 0 || y >= h || z < 0 || z >= w) continue;
                            float v = x[(c * h + y) * w + z];
                            if (at < 0 || v > best) (best, at) = (v, y * w + z);
                        }
                    int o = (c * oh + i) * ow + j;
                    (values[o], indices[o]) = (best, at);
                    grad[c * h * w + at] += weights[o];
                }
        return ([shape[0], shape[1], oh, ow], values, indices, weights, grad);
    }
}

public sealed class CpuMaxPool2DFusedTests : MaxPool2DFusedTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorMaxPool2DFusedTests : MaxPool2DFusedTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaMaxPool2DFusedTests : MaxPool2DFusedTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
