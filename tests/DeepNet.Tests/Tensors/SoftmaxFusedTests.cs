using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The fused softmax / log_softmax (Kernels/Fused/Softmax) against the max-shift composite it
/// replaced, forward and gradients, along every dim of awkward shapes. Written once, run on the
/// CPU, the GPU emulator (the ILGPU kernels) and CUDA.
/// </summary>
public abstract class SoftmaxFusedTests
{
    protected abstract Device Device { get; }

    /// <summary>The composite the fused op replaced: max-shift, exp, sum, divide.</summary>
    public static Tensor CompositeSoftmax(Tensor x, int dim) => DisposeScope.Run(() =>
    {
        var e = (x - x.Detach().Max([dim], keepDim: true)).Exp();
        return e / e.Sum(dim, keepDim: true);
    });

    /// <summary>The composite log-softmax: x − max − log Σ exp(x − max).</summary>
    public static Tensor CompositeLogSoftmax(Tensor x, int dim) => DisposeScope.Run(() =>
    {
        var shifted = x - x.Detach().Max([dim], keepDim: true);
        return shifted - shifted.Exp().Sum(dim, keepDim: true).Log();
    });

    [ParityFact]
    public void Softmax_MatchesComposite_AlongEveryDim()
    {
        foreach (var shape in new[] { new[] { 3, 129 }, [2, 3, 17], [5, 1, 9], [64], [2, 33, 3, 2] })
            for (int dim = 0; dim < shape.Length; dim++)
            {
                int d = dim;
                var input = RandomData.Uniform(shape.Sum() + d, shape, -4f, 4f);
                CompositeCheck.AssertSame(Device, t => t[0].Softmax(d), t => CompositeSoftmax(t[0], d),
                    $"softmax {string.Join('x', shape)} dim {d}", CompositeCheck.Tolerance, input);
                CompositeCheck.AssertSame(Device, t => t[0].LogSoftmax(d), t => CompositeLogSoftmax(t[0], d),
                    $"log_softmax {string.Join('x', shape)} dim {d}", CompositeCheck.Tolerance, input);
            }
    }

    [ParityFact]
    public void Softmax_OnStridedInput_MatchesComposite()
    {
        var input = RandomData.Uniform(7, [6, 10], -3f, 3f);
        CompositeCheck.AssertSame(Device, t => t[0].T.Softmax(-1), t => CompositeSoftmax(t[0].T, 1), "softmax of a transpose",
            CompositeCheck.Tolerance, input);
        CompositeCheck.AssertSame(Device, t => t[0].Narrow(1, 2, 5).LogSoftmax(1), t => CompositeLogSoftmax(t[0].Narrow(1, 2, 5), 1),
            "log_softmax of a narrow", CompositeCheck.Tolerance, input);
    }

    [ParityFact]
    public void Softmax_OfBlockedRow_IsNaNLikeTorch()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([float.NegativeInfinity, float.NegativeInfinity, 0f, 1f], [2, 2], Device);
        var y = x.Softmax(-1).ToArray();
        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[1]));
        Assert.Equal(0.26894f, y[2], 4);
    }

    [ParityFact]
    public void Softmax_WithBadDim_ThrowsNamingOp()
    {
        using var x = Tensor.Zeros([2, 3], Device);
        var error = Assert.Throws<ArgumentException>(() => x.Softmax(2));
        Assert.Contains("softmax", error.Message);
        Assert.Contains("rank 2", error.Message);
    }

    [ParityFact]
    public void Softmax_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].Softmax(1), Device, RandomData.Uniform(11, [2, 5, 3], -2f, 2f));
}

public sealed class CpuSoftmaxFusedTests : SoftmaxFusedTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorSoftmaxFusedTests : SoftmaxFusedTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaSoftmaxFusedTests : SoftmaxFusedTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
