using DeepNet.Kernels;
using DeepNet.Kernels.Geometry;
using DeepNet.Tests.Kernels.Elements;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

// Typed storage on the GPU backend: host copies, the typed strided copy and the cast kernel for
// every pair of element types, bit for bit against the CPU backend.
public abstract partial class GpuParityTests
{
    [ParityFact]
    public void HostRoundTrip_EveryElementType_KeepsEveryBit_AtOffsets()
    {
        foreach (var type in DTypeSamples.All)
        {
            var values = DTypeSamples.Values(type, 7 + (int)type, 21);
            var buffer = Track(CastTests.Buffer(type, values, Gpu));
            var back = CastTests.Host(buffer, type);
            for (int i = 0; i < values.Length; i++) Assert.True(DTypeSamples.Bits(values, i) == DTypeSamples.Bits(back, i), $"{type}[{i}]");
            var zeroed = Track(Gpu.Allocate(13, type));
            var zeros = CastTests.Host(zeroed, type);
            for (int i = 0; i < 13; i++) Assert.True(DTypeSamples.Bits(zeros, i) == 0, $"{type} zeroed[{i}]");
        }
    }

    [ParityFact]
    public void Copy_EveryElementSize_MatchesCpu_ForTransposedAndBroadcastSources()
    {
        foreach (var type in new[] { ElementType.Float64, ElementType.Int64, ElementType.Int32, ElementType.BFloat16, ElementType.Bool, ElementType.Int8 })
        {
            var values = DTypeSamples.Values(type, 11, 7 * 5);
            var cs = Track(CastTests.Buffer(type, values));
            var gs = Track(CastTests.Buffer(type, values, Gpu));
            foreach (var src in new[] { new StridedLayout([5, 7], [1, 5], 0), new StridedLayout([4, 5], [0, 1], 3) })
            {
                var dst = StridedLayout.Contiguous(src.Shape);
                var cd = Track(Cpu.Allocate(src.Size, type));
                var gd = Track(Gpu.Allocate(src.Size, type));
                Cpu.Copy(cs, src, cd, dst);
                Gpu.Copy(gs, src, gd, dst);
                AssertSameBits(cd, gd, type, $"copy {type} {src}");
            }
        }
    }

    [ParityFact]
    public void Cast_EveryPairOfElementTypes_MatchesCpuBitForBit()
    {
        foreach (var from in DTypeSamples.All)
        {
            var values = DTypeSamples.Values(from, 100 + (int)from, 2 * 19);
            var cs = Track(CastTests.Buffer(from, values));
            var gs = Track(CastTests.Buffer(from, values, Gpu));
            var src = new StridedLayout([19], [2], 1);
            var dst = StridedLayout.Contiguous([19]);
            foreach (var to in DTypeSamples.All)
            {
                var cd = Track(Cpu.Allocate(19, to));
                var gd = Track(Gpu.Allocate(19, to));
                Cpu.Cast(cs, src, cd, dst);
                Gpu.Cast(gs, src, gd, dst);
                AssertSameBits(cd, gd, to, $"cast {from} → {to}", values, from, src);
            }
        }
    }

    [ParityFact]
    public void FloatKernel_OnAnotherElementType_Throws_NamingIt()
    {
        var ids = Track(Gpu.Allocate(4, ElementType.Int64));
        var dst = Track(Gpu.Allocate(4));
        var layout = StridedLayout.Contiguous([4]);
        var error = Assert.Throws<InvalidOperationException>(() => Gpu.Map(new DeepNet.Kernels.Ops.ExpOp(), ids, layout, dst, layout));
        Assert.Contains("Int64", error.Message);
        Assert.Contains("Float32", Assert.Throws<ArgumentException>(() => Gpu.Copy(ids, layout, dst, layout)).Message);
    }

    private static void AssertSameBits(DeviceBuffer cpu, DeviceBuffer gpu, ElementType type, string what,
        Array? source = null, ElementType from = default, StridedLayout sourceLayout = default)
    {
        var c = CastTests.Host(cpu, type);
        var g = CastTests.Host(gpu, type);
        for (int i = 0; i < c.Length; i++)
        {
            // A float → integer cast of NaN or an out-of-range value is undefined in torch: not compared.
            if (source is not null && DTypeSamples.Expected(from, source, sourceLayout.OffsetOf(i), type) is null) continue;
            Assert.True(DTypeSamples.Bits(c, i) == DTypeSamples.Bits(g, i), $"{what} [{i}]: cpu {DTypeSamples.Bits(c, i):X}, gpu {DTypeSamples.Bits(g, i):X}");
        }
    }
}
