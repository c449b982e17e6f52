using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Elements;
using DeepNet.Kernels.Geometry;
using Xunit;

namespace DeepNet.Tests.Kernels.Cpu;

/// <summary>
/// The dense float32 ⇄ bfloat16/float16 cast (autocast's scratch conversions) gives the bits of
/// HalfBits, which the strided path and the GPU kernel use: every 16-bit pattern up, and float32
/// patterns (NaN payloads, infinities, subnormals, ties) down, at an offset.
/// </summary>
public class CpuHalfCastTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    [Theory]
    [InlineData(ElementType.BFloat16)]
    [InlineData(ElementType.Float16)]
    public void Widening_EverySixteenBitPattern_MatchesHalfBits(ElementType type)
    {
        const int n = 1 << 16;
        using var src = Cpu.Allocate(n + 3, type);
        using var dst = Cpu.Allocate(n + 5, ElementType.Float32);
        var bits = ((CpuBuffer)src).Storage<ushort>();
        for (int i = 0; i < n; i++) bits[3 + i] = (ushort)i;
        Cpu.Cast(src, StridedLayout.Contiguous([n], 3), dst, StridedLayout.Contiguous([n], 5));
        var got = ((CpuBuffer)dst).Span;
        for (int i = 0; i < n; i++)
        {
            float expected = type == ElementType.BFloat16 ? HalfBits.BFloat16ToFloat((ushort)i) : HalfBits.HalfToFloat((ushort)i);
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(got[5 + i]), $"{type} 0x{i:X4}");
        }
    }

    [Theory]
    [InlineData(ElementType.BFloat16)]
    [InlineData(ElementType.Float16)]
    public void Narrowing_Float32Patterns_MatchesHalfBits(ElementType type)
    {
        var random = new Random(12);
        var values = new List<uint> { 0x7FC00001, 0xFF800000, 0x7F800000, 0x00000001, 0x80000000, 0x477FF000, 0x477FEFFF, 0x3F808000, 0x3F818000, 0x33000000 };
        for (int i = 0; i < 200_000; i++) values.Add((uint)random.NextInt64(0, 1L << 32));
        int n = values.Count;
        using var src = Cpu.Allocate(n + 1, ElementType.Float32);
        using var dst = Cpu.Allocate(n + 2, type);
        var floats = ((CpuBuffer)src).Span;
        for (int i = 0; i < n; i++) floats[1 + i] = BitConverter.UInt32BitsToSingle(values[i]);
        Cpu.Cast(src, StridedLayout.Contiguous([n], 1), dst, StridedLayout.Contiguous([n], 2));
        var got = ((CpuBuffer)dst).Storage<ushort>();
        for (int i = 0; i < n; i++)
        {
            float v = floats[1 + i];
            ushort expected = type == ElementType.BFloat16 ? HalfBits.FloatToBFloat16(v) : HalfBits.FloatToHalf(v);
            Assert.True(expected == got[2 + i], $"{type} from 0x{values[i]:X8}: 0x{got[2 + i]:X4}, expected 0x{expected:X4}");
        }
    }
}
