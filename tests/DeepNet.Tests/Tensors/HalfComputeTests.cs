using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// BFloat16 and Float16 compute in Float32 and round back once: elementwise, reductions and their
/// gradients, against the same arithmetic written on the host. Run on the CPU, the GPU emulator and CUDA.
/// </summary>
public abstract class HalfComputeTests
{
    protected abstract Device Device { get; }

    private static readonly DType[] HalfTypes = [DType.BFloat16, DType.Float16];

    private static float Round(float v, DType dtype) => dtype == DType.Float16 ? (float)(Half)v : (float)(BFloat16)v;

    private static float[] Host(Tensor t) => t.DType == DType.Float16
        ? t.ToArray<Half>().Select(h => (float)h).ToArray()
        : t.ToArray<BFloat16>().Select(b => (float)b).ToArray();

    [ParityFact]
    public void Elementwise_ComputesInFloat32_AndRoundsOnce()
    {
        foreach (var dtype in HalfTypes) Elementwise_ComputesInFloat32_AndRoundsOnceFor(dtype);
    }

    private void Elementwise_ComputesInFloat32_AndRoundsOnceFor(DType dtype)
    {
        using var scope = new DisposeScope();
        var a = Tensor.Randn([3, 5], new Generator(1), Device).To(dtype);
        var b = Tensor.Randn([5], new Generator(2), Device).To(dtype);
        float[] ha = Host(a), hb = Host(b);
        var sum = a + b;
        var product = a * 3f;
        var relu = a.Relu();
        Assert.Equal(dtype, sum.DType);
        Assert.Equal(dtype, product.DType);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => Round(ha[i] + hb[i % 5], dtype)), Host(sum));
        Assert.Equal(ha.Select(v => Round(v * 3f, dtype)), Host(product));
        Assert.Equal(ha.Select(v => Math.Max(v, 0f)), Host(relu));
        var exp = Host(a.Exp());
        for (int i = 0; i < 15; i++) Assert.True(Math.Abs(exp[i] - Round(MathF.Exp(ha[i]), dtype)) <= Ulp(Round(MathF.Exp(ha[i]), dtype), dtype), $"exp [{i}]");
    }

    [ParityFact]
    public void Reductions_AccumulateInFloat32_AndKeepTheDType()
    {
        foreach (var dtype in HalfTypes) Reductions_AccumulateInFloat32_AndKeepTheDTypeFor(dtype);
    }

    private void Reductions_AccumulateInFloat32_AndKeepTheDTypeFor(DType dtype)
    {
        using var scope = new DisposeScope();
        var x = Tensor.Randn([4, 33], new Generator(3), Device).To(dtype);
        float[] h = Host(x);
        var sums = x.Sum([1]);
        Assert.Equal(dtype, sums.DType);
        float[] got = Host(sums);
        for (int r = 0; r < 4; r++)
        {
            float expected = Round(h.Skip(r * 33).Take(33).Sum(), dtype);
            Assert.True(Math.Abs(got[r] - expected) <= Ulp(expected, dtype), $"sum row {r}: {got[r]} vs {expected}");
        }
        Assert.Equal(Enumerable.Range(0, 4).Select(r => h.Skip(r * 33).Take(33).Max()), Host(x.Max([1])));
    }

    [ParityFact]
    public void Gradients_FlowBackToAHalfLeaf_InItsDType()
    {
        foreach (var dtype in HalfTypes) Gradients_FlowBackToAHalfLeaf_InItsDTypeFor(dtype);
    }

    private void Gradients_FlowBackToAHalfLeaf_InItsDTypeFor(DType dtype)
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([0.5f, -1.25f, 2f], Device).To(dtype).RequiresGradient();
        (x * x).Sum().Backward();
        Assert.Equal(dtype, x.Grad!.DType);
        Assert.Equal([1f, -2.5f, 4f], Host(x.Grad));
    }

    private static float Ulp(float v, DType dtype) =>
        MathF.Max(Math.Abs(v), dtype == DType.Float16 ? 6.1e-5f : 1.2e-38f) * (dtype == DType.Float16 ? 1f / 1024 : 1f / 128);
}

public sealed class CpuHalfComputeTests : HalfComputeTests
{
    protected override Device Device => Device.Cpu;

    [Property(MaxTest = 300)]
    public void Float16Add_IsTheFloat32SumRoundedOnce(ushort a, ushort b)
    {
        var ha = BitConverter.UInt16BitsToHalf(a);
        var hb = BitConverter.UInt16BitsToHalf(b);
        using var scope = new DisposeScope();
        var sum = Tensor.FromArray(new[] { ha }) + Tensor.FromArray(new[] { hb });
        var expected = (Half)((float)ha + (float)hb);
        var got = sum.Item<Half>();
        Assert.True(Half.IsNaN(expected) ? Half.IsNaN(got) : expected.Equals(got), $"{ha} + {hb}: {got}, expected {expected}");
    }

    [Property(MaxTest = 300)]
    public void BFloat16Mul_IsTheFloat32ProductRoundedOnce(ushort a, ushort b)
    {
        var ba = BFloat16.FromBits(a);
        var bb = BFloat16.FromBits(b);
        using var scope = new DisposeScope();
        var got = (Tensor.FromArray(new[] { ba }) * Tensor.FromArray(new[] { bb })).Item<BFloat16>();
        var expected = (BFloat16)((float)ba * (float)bb);
        Assert.True(BFloat16.IsNaN(expected) ? BFloat16.IsNaN(got) : expected.Equals(got), $"{ba} * {bb}: {got}, expected {expected}");
    }
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorHalfComputeTests : HalfComputeTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaHalfComputeTests : HalfComputeTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
