using DeepNet.Kernels.Geometry;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Fused;

/// <summary>
/// The conv2d primitive (Kernels/Fused/Conv2D: implicit GEMM on the CPU, the explicit columns path on
/// the GPU) against the Im2Col → MatMul composite it replaces, forward and the gradients of x, weight
/// and bias, with and without the fused ReLU; run on the CPU, the GPU emulator and CUDA. Shapes cover
/// strides (the input gradient's explicit path), padding beyond dilation·(kernel − 1), dilation, one
/// channel, batches 1..5, more output channels than one panel and depths above one GEMM block.
/// </summary>
public abstract class Conv2DFusedTests
{
    protected abstract Device Device { get; }

    /// <summary>The emulator runs the GPU kernels slowly: it gets the small shapes only.</summary>
    protected virtual bool Large => true;

    // x shape, K, kernel, stride, padding, dilation
    private static readonly (int[] X, int K, (int, int) Kernel, (int, int) Stride, (int, int) Pad, (int, int) Dilation)[] Small =
    [
        ([2, 1, 9, 8], 3, (3, 3), (1, 1), (0, 0), (1, 1)),     // one input channel (the first layer)
        ([1, 3, 7, 6], 5, (3, 2), (1, 1), (1, 1), (1, 1)),     // padding, rectangular kernel
        ([3, 2, 8, 9], 4, (2, 3), (2, 1), (1, 0), (1, 1)),     // strided: the explicit input gradient
        ([2, 2, 9, 9], 3, (3, 3), (1, 1), (1, 2), (2, 2)),     // dilation
        ([1, 2, 5, 5], 2, (2, 2), (1, 1), (2, 2), (1, 1)),     // padding beyond the kernel: explicit input gradient
        ([5, 2, 4, 5], 3, (1, 1), (1, 2), (0, 1), (1, 1)),     // 1×1 kernel, batch 5
    ];

    private static readonly (int[] X, int K, (int, int) Kernel, (int, int) Stride, (int, int) Pad, (int, int) Dilation)[] Big =
    [
        ([3, 32, 13, 13], 64, (3, 3), (1, 1), (0, 0), (1, 1)),  // the MNIST CNN's second layer
        ([3, 64, 5, 5], 64, (3, 3), (1, 1), (0, 0), (1, 1)),    // its third layer: 3-wide runs (4-column packing groups past the run)
        ([2, 64, 4, 4], 66, (3, 3), (1, 1), (0, 0), (1, 1)),    // 2-wide runs
        ([2, 40, 6, 7], 64, (3, 2), (1, 1), (0, 0), (1, 1)),    // 6-wide runs: two overlapping 4-column groups
        ([2, 16, 9, 9], 64, (3, 3), (1, 1), (1, 1), (1, 1)),    // padding with dWᵀ rows from x: ImageA's edge runs
        ([2, 64, 5, 5], 70, (3, 3), (1, 1), (1, 1), (1, 1)),    // depth 576 > one block, K over one panel
        ([4, 8, 20, 20], 16, (3, 3), (1, 1), (0, 0), (1, 1)),   // depth N·P·Q over three chunks: partial sums (dW rows from dY)
        ([4, 16, 14, 14], 64, (3, 3), (1, 1), (0, 0), (1, 1)),  // two chunks, dWᵀ rows from x
        ([2, 6, 14, 14], 16, (5, 5), (2, 2), (2, 2), (1, 1)),   // strided, parallel
    ];

    [ParityFact]
    public void Primitive_MatchesComposite_ForwardAndGradients()
    {
        foreach (var shape in Large ? Small.Concat(Big) : Small)
            foreach (bool bias in new[] { true, false })
                foreach (bool relu in new[] { false, true })
                    Check(shape.X, shape.K, shape.Kernel, shape.Stride, shape.Pad, shape.Dilation, bias, relu, seed: shape.X.Sum());
    }

    protected void Check(int[] xShape, int k, (int R, int S) kernel, (int, int) stride, (int, int) pad, (int, int) dilation,
        bool withBias, bool relu, int seed)
    {
        var x = RandomData.Uniform(seed, xShape);
        var w = RandomData.Uniform(seed + 1, [k, xShape[1], kernel.R, kernel.S]);
        var b = RandomData.Uniform(seed + 2, [k]);
        var act = relu ? Activation.Relu : Activation.Identity;
        string label = $"conv2d x {string.Join('x', xShape)} k {k} kernel {kernel} stride {stride} pad {pad} dilation {dilation} bias {withBias} relu {relu}";
        Func<Tensor[], Tensor> fused = t => t[0].Conv2D(t[1], withBias ? t[2] : null, stride, pad, dilation, activation: act);
        Func<Tensor[], Tensor> composite = t =>
        {
            var g = new Conv2DGeometry(xShape[0], xShape[1], xShape[2], xShape[3], kernel.R, kernel.S,
                stride.Item1, stride.Item2, pad.Item1, pad.Item2, dilation.Item1, dilation.Item2);
            var y = t[0].Conv2DColumns(t[1], withBias ? t[2] : null, g, 1);
            if (!relu) return y;
            using (y) return y.Relu();
        };
        // Sums run in another order (depth blocks, batch folded into the weight gradient's contraction).
        CompositeCheck.AssertSame(Device, fused, composite, label, 2e-4f, x, w, b);
    }
}

public sealed class CpuConv2DFusedTests : Conv2DFusedTests
{
    protected override Device Device => Device.Cpu;

    /// <summary>
    /// Shallow first layers (C·R·S ≤ 32, stride 1, no padding) run direct
    /// (Cpu/CpuConv2DShallow), forward and weight gradient. Rows of exactly one vector, a partial last vector, S = 1..5 (the
    /// groups of four and the remainders), two channels, and batches above the parallel threshold.
    /// </summary>
    [Fact]
    public void Shallow_MatchesComposite_ForwardAndGradients()
    {
        (int[] X, int K, (int, int) Kernel)[] shapes =
        [
            ([2, 1, 10, 10], 3, (3, 3)),    // Q = 8: one full vector per row
            ([3, 1, 12, 14], 5, (3, 3)),    // Q = 12: a masked last vector
            ([2, 1, 32, 32], 6, (5, 5)),    // LeNet's first layer: S = 5 is a group of four and one
            ([2, 2, 10, 16], 3, (2, 3)),    // two channels, rectangular kernel
            ([1, 1, 9, 20], 4, (4, 4)),     // S = 4: one whole group
            ([2, 3, 9, 11], 2, (3, 2)),     // depth 18, S = 2
            ([9, 1, 28, 28], 32, (3, 3)),   // the MNIST CNN's first layer, split into partial sums
            ([2, 2, 11, 13], 4, (3, 3)),    // 3×3 over two channels: the nine-tap pass per channel, Q = 11
        ];
        foreach (var (x, k, kernel) in shapes)
            foreach (bool bias in new[] { true, false })
                Check(x, k, kernel, (1, 1), (0, 0), (1, 1), bias, relu: bias, seed: x.Sum() + k);
    }

    [Property(MaxTest = 40)]
    public void Shallow_MatchesComposite_ForRandomGeometry(byte sizes, byte kernel, bool withBias, int seed)
    {
        int n = 1 + sizes % 4, c = 1 + sizes / 4 % 2, k = 1 + sizes / 8 % 9;
        int r = 1 + kernel % 4, s = 1 + kernel / 4 % 5;
        int h = r + kernel / 20 % 4, w = s + 7 + kernel / 80 % 3 + sizes / 72 % 11;
        Check([n, c, h, w], k, (r, s), (1, 1), (0, 0), (1, 1), withBias, relu: seed % 2 == 0, seed & 0xFFFF);
    }

    [Property(MaxTest = 60)]
    public void Primitive_MatchesComposite_ForRandomGeometry(byte sizes, byte kernel, byte strides, byte pads, byte dilations,
        bool withBias, bool relu, int seed)
    {
        int n = 1 + sizes % 5, c = 1 + sizes / 5 % 3, k = 1 + sizes / 15 % 7;
        int r = 1 + kernel % 3, s = 1 + kernel / 3 % 3;
        int sh = 1 + strides % 2, sw = 1 + strides / 2 % 3;
        int dh = 1 + dilations % 2, dw = 1 + dilations / 2 % 2;
        int ph = pads % 3, pw = pads / 3 % 3;
        int h = dh * (r - 1) + 1 + pads / 9 % 6, w = dw * (s - 1) + 1 + kernel / 9 % 7;
        Check([n, c, h, w], k, (r, s), (sh, sw), (ph, pw), (dh, dw), withBias, relu, seed & 0xFFFF);
    }
}

// The emulator is one shared device: its deferred index checks and allocator stats must not see other tests' work.
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorConv2DFusedTests : Conv2DFusedTests
{
    protected override Device Device => Device.GpuEmulator;
    protected override bool Large => false;
}

public sealed class CudaConv2DFusedTests : Conv2DFusedTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
