using DeepNet.Kernels;
using DeepNet.Kernels.Elements;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Elements;

/// <summary>The 16-bit float conversions the CPU and GPU kernels share, against System.Half and an exact reference.</summary>
public class HalfBitsTests
{
    [Fact]
    public void EveryFloat16_WidensAsSystemHalf_AndNarrowsBackToItself()
    {
        for (int b = 0; b < 65536; b++)
        {
            var h = BitConverter.UInt16BitsToHalf((ushort)b);
            float f = HalfBits.HalfToFloat((ushort)b);
            Assert.Equal(BitConverter.SingleToInt32Bits((float)h), BitConverter.SingleToInt32Bits(f));
            if (Half.IsNaN(h)) Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(HalfBits.FloatToHalf(f))));
            else Assert.Equal((ushort)b, HalfBits.FloatToHalf(f));
        }
    }

    [Fact]
    public void EveryBFloat16_NarrowsBackToItself_ExceptNaNsToTheCanonicalNaN()
    {
        for (int b = 0; b < 65536; b++)
        {
            float f = HalfBits.BFloat16ToFloat((ushort)b);
            Assert.Equal(float.IsNaN(f) ? (ushort)0x7FC0 : (ushort)b, HalfBits.FloatToBFloat16(f));
        }
    }

    [Property(MaxTest = 2000)]
    public void FloatToHalf_RoundsToNearestEven_AsSystemHalf(int bits)
    {
        float f = BitConverter.Int32BitsToSingle(bits);
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)f), HalfBits.FloatToHalf(f));
    }

    [Property(MaxTest = 2000)]
    public void FloatToBFloat16_RoundsToNearestEven(int bits)
    {
        float f = BitConverter.Int32BitsToSingle(bits);
        Assert.Equal(DTypeSamples.ReferenceBFloat16(f), HalfBits.FloatToBFloat16(f));
    }

    [Theory]
    [InlineData(65519f, 0x7BFF)]   // just under the halfway point to 65536: the largest half
    [InlineData(65520f, 0x7C00)]   // the tie rounds to even, which is infinity
    [InlineData(5.9604645e-8f, 0x0001)]
    [InlineData(2.9802322e-8f, 0x0000)]   // 2^-25, a tie between 0 and the smallest subnormal
    [InlineData(2.9802326e-8f, 0x0001)]
    public void FloatToHalf_Edges(float value, int expected) => Assert.Equal((ushort)expected, HalfBits.FloatToHalf(value));

    [Fact]
    public void BFloat16_ConvertsAndPrintsAsItsFloat()
    {
        var b = (BFloat16)1.00390625f;   // 1 + 2^-8: a tie, to the even 1.0
        Assert.Equal(1f, (float)b);
        Assert.Equal((ushort)0x3F80, b.Bits);
        Assert.Equal("1.015625", ((BFloat16)1.01171875f).ToString());   // 1 + 3·2^-8: a tie, to the even 1 + 2^-6
    }
}
