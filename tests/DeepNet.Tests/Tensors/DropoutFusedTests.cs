using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The fused Float32 dropout (Kernels/Fused/Dropout) against the composite it replaced,
/// x · (Rand ≥ p)·1/(1−p) on the same generator: bit-equal forward and gradient, at sizes around the
/// vector width and the parallel threshold, strided inputs, NaN/−0, and the generator's advance.
/// Run on the CPU, the GPU emulator (the ILGPU kernel) and CUDA.
/// </summary>
public abstract class DropoutFusedTests
{
    protected abstract Device Device { get; }

    /// <summary>The composite the fused op replaced.</summary>
    public static Tensor Composite(Tensor x, float p, Generator generator) =>
        DisposeScope.Run(() => x * (Tensor.Rand(x.ShapeArray, generator, x.Device).Ge(p) * (1f / (1f - p))));

    private int[] Sizes => Device == Device.Cpu ? [1, 7, 8, 9, 15, 16, 17, 127, 129, 1000, 70_001] : [1, 7, 9, 129, 1000];

    [ParityFact]
    public void Dropout_MatchesComposite_BitForBit()
    {
        foreach (int n in Sizes)
            foreach (float p in new[] { 0.1f, 0.5f, 0.9f })
            {
                using var scope = new DisposeScope();
                var x = Tensor.FromArray(RandomData.Uniform(n, [n]).Data, [n], Device);
                Assert.Equal(Composite(x, p, new Generator(5)).ToArray(), x.Dropout(p, generator: new Generator(5)).ToArray());
            }
    }

    [ParityFact]
    public void Dropout_Gradient_MatchesComposite() =>
        CompositeCheck.AssertSame(Device, t => t[0].Dropout(0.3f, generator: new Generator(9)), t => Composite(t[0], 0.3f, new Generator(9)),
            "dropout", 0f, RandomData.Uniform(2, [3, 41]));

    [ParityFact]
    public void Dropout_OnStridedInput_MatchesComposite() =>
        CompositeCheck.AssertSame(Device, t => t[0].T.Dropout(0.5f, generator: new Generator(4)), t => Composite(t[0].T, 0.5f, new Generator(4)),
            "dropout of a transpose", 0f, RandomData.Uniform(3, [9, 13]));

    [ParityFact]
    public void Dropout_KeepsNaNAndSignedZero_AsTheCompositeMultiply()
    {
        using var scope = new DisposeScope();
        var values = Enumerable.Range(0, 64).Select(i => i % 3 == 0 ? float.NaN : i % 3 == 1 ? -1f : float.NegativeInfinity).ToArray();
        var x = Tensor.FromArray(values, [64], Device);
        var expected = Composite(x, 0.5f, new Generator(1)).ToArray();
        var actual = x.Dropout(0.5f, generator: new Generator(1)).ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [ParityFact]
    public void Dropout_AdvancesTheGenerator_AsTheComposite()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(RandomData.Uniform(6, [5, 11]).Data, [5, 11], Device);
        Generator fused = new(8), composite = new(8);
        x.Dropout(0.2f, generator: fused);
        Composite(x, 0.2f, composite);
        Assert.Equal(Composite(x, 0.2f, composite).ToArray(), x.Dropout(0.2f, generator: fused).ToArray());
        Assert.Equal(Tensor.Rand([4], composite, Device).ToArray(), Tensor.Rand([4], fused, Device).ToArray());
    }

    [ParityFact]
    public void Dropout_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].Dropout(0.4f, generator: new Generator(3)), Device, RandomData.Uniform(7, [4, 6]));
}

public sealed class CpuDropoutFusedTests : DropoutFusedTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorDropoutFusedTests : DropoutFusedTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaDropoutFusedTests : DropoutFusedTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
