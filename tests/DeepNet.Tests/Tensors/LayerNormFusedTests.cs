using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The fused layer norm (Kernels/Fused/LayerNorm) against the composite it replaced, forward and
/// the gradients of x, weight and bias, with and without the affine parameters. Run on the CPU,
/// the GPU emulator (the ILGPU kernels) and CUDA.
/// </summary>
public abstract class LayerNormFusedTests
{
    private const float Tolerance = 1e-4f;

    protected abstract Device Device { get; }

    /// <summary>The composite the fused op replaced.</summary>
    public static Tensor Composite(Tensor x, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        var dims = Enumerable.Range(x.Rank - normalizedShape.Length, normalizedShape.Length).ToArray();
        return DisposeScope.Run(() =>
        {
            var centered = x - x.Mean(dims, keepDim: true);
            var variance = (centered * centered).Mean(dims, keepDim: true);
            var normalized = centered / (variance + eps).Sqrt();
            if (weight is not null) normalized *= weight;
            if (bias is not null) normalized += bias;
            return normalized;
        });
    }

    [ParityFact]
    public void LayerNorm_MatchesComposite_WithAndWithoutAffine()
    {
        foreach (var (shape, k) in new[] { (new[] { 3, 129 }, 1), ([2, 3, 17], 1), ([4, 2, 5], 2), ([7], 1), ([40, 64], 1), ([1, 8], 1) })
        {
            int[] normalized = shape[^k..];
            int cols = normalized.Aggregate(1, (a, b) => a * b);
            var x = RandomData.Uniform(shape.Sum() + k, shape, -3f, 3f);
            var w = RandomData.Uniform(cols, normalized, 0.5f, 1.5f);
            var b = RandomData.Uniform(cols + 1, normalized);
            string label = $"layer_norm {string.Join('x', shape)} over {k}";
            CompositeCheck.AssertSame(Device, t => t[0].LayerNorm(normalized, t[1], t[2]), t => Composite(t[0], normalized, t[1], t[2]),
                label + " affine", Tolerance, x, w, b);
            CompositeCheck.AssertSame(Device, t => t[0].LayerNorm(normalized), t => Composite(t[0], normalized, null, null),
                label, Tolerance, x);
            CompositeCheck.AssertSame(Device, t => t[0].LayerNorm(normalized, t[1]), t => Composite(t[0], normalized, t[1], null),
                label + " weight only", Tolerance, x, w);
            CompositeCheck.AssertSame(Device, t => t[0].LayerNorm(normalized, null, t[1], 1e-3f), t => Composite(t[0], normalized, null, t[1], 1e-3f),
                label + " bias only", Tolerance, x, b);
        }
    }

    [ParityFact]
    public void LayerNorm_OnStridedInput_MatchesComposite() =>
        CompositeCheck.AssertSame(Device, t => t[0].T.LayerNorm([6], t[1], t[2]), t => Composite(t[0].T, [6], t[1], t[2]),
            "layer_norm of a transpose", Tolerance, RandomData.Uniform(3, [6, 5]), RandomData.Uniform(4, [6]), RandomData.Uniform(5, [6]));

    [ParityFact]
    public void LayerNorm_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].LayerNorm([5], t[1], t[2]), Device,
            RandomData.Uniform(6, [3, 5], -2f, 2f), RandomData.Uniform(7, [5], 0.5f, 1.5f), RandomData.Uniform(8, [5]));

    [ParityFact]
    public void LayerNorm_WithWrongWeightShape_ThrowsNamingShapes()
    {
        using var x = Tensor.Zeros([2, 4], Device);
        using var w = Tensor.Ones([3], Device);
        var error = Assert.Throws<ArgumentException>(() => x.LayerNorm([4], w));
        Assert.Contains("layer_norm", error.Message);
        Assert.Contains("[3]", error.Message);
        Assert.Contains("[4]", error.Message);
    }
}

public sealed class CpuLayerNormFusedTests : LayerNormFusedTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorLayerNormFusedTests : LayerNormFusedTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaLayerNormFusedTests : LayerNormFusedTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
