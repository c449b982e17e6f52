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
    public void ZipTyped_EveryKind_MatchesCpu_ForInt64Float64AndBFloat16_WithBroadcast()
    {
        foreach (var type in new[] { ElementType.Int64, ElementType.Float64, ElementType.BFloat16, ElementType.Int32, ElementType.UInt8 })
        {
            var av = DTypeSamples.Values(type, 31, 6 * 5);
            var bv = DTypeSamples.Values(type, 32, 5);
            var (ca, ga) = (Track(CastTests.Buffer(type, av)), Track(CastTests.Buffer(type, av, Gpu)));
            var (cb, gb) = (Track(CastTests.Buffer(type, bv)), Track(CastTests.Buffer(type, bv, Gpu)));
            var al = StridedLayout.Contiguous([6, 5]);
            var bl = new StridedLayout([6, 5], [0, 1], 0);
            foreach (var kind in Enum.GetValues<TypedZipKind>())
            {
                var outType = kind >= TypedZipKind.Equal ? ElementType.Bool : type;
                var cc = Track(Cpu.Allocate(30, outType));
                var gc = Track(Gpu.Allocate(30, outType));
                Cpu.ZipTyped(kind, ca, al, cb, bl, cc, al);
                Gpu.ZipTyped(kind, ga, al, gb, bl, gc, al);
                AssertSameBits(cc, gc, outType, $"zip {kind} {type}");
            }
        }
    }

    [ParityFact]
    public void Gather_WithInt64AndInt32Indices_MatchesCpu()
    {
        var (cs, gs) = Pair(Values(4 * 6));
        var src = StridedLayout.Contiguous([4, 6]);
        long[] ids = [5, 0, 3, 3, 1, 2, 0, 4];
        foreach (var type in new[] { ElementType.Int64, ElementType.Int32 })
        {
            Array index = type == ElementType.Int64 ? ids : ids.Select(i => (int)i).ToArray();
            var ci = Track(CastTests.Buffer(type, index));
            var gi = Track(CastTests.Buffer(type, index, Gpu));
            var il = StridedLayout.Contiguous([4, 2]);
            var (cd, gd) = Pair(new float[8]);
            Cpu.Gather(cs, src, 1, ci, il, cd, il);
            Gpu.Gather(gs, src, 1, gi, il, gd, il);
            AssertSame(cd, gd, $"gather {type}");
            var (cx, gx) = Pair(new float[24]);
            Cpu.ScatterAdd(cd, il, 1, ci, il, cx, src);
            Gpu.ScatterAdd(gd, il, 1, gi, il, gx, src);
            AssertSame(cx, gx, $"scatter_add {type}");
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
