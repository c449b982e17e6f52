using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Elements;

/// <summary>
/// CpuBackend.Cast for every pair of element types against the reference conversion (DTypeSamples:
/// .NET's own conversions), on a strided (reversed) source; plus lossless round trips.
/// </summary>
public class CastTests
{
    public static TheoryData<ElementType, ElementType> Pairs()
    {
        var data = new TheoryData<ElementType, ElementType>();
        foreach (var from in DTypeSamples.All)
            foreach (var to in DTypeSamples.All) data.Add(from, to);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Cast_MatchesTheReferenceConversion(ElementType from, ElementType to) => CheckPair(from, to, 1000 + (int)from * 16 + (int)to, 257);

    [Property(MaxTest = 200)]
    public void Cast_AnyPair_AnySeed_MatchesTheReferenceConversion(byte pair, int seed) =>
        CheckPair(DTypeSamples.All[pair % 9], DTypeSamples.All[pair / 9 % 9], seed, 1 + (seed & 63));

    [Property(MaxTest = 100)]
    public void Widening_ThenNarrowing_GivesBackEveryValue(int seed)
    {
        // Each pair is exact both ways: the narrow type's values all exist in the wide one.
        (ElementType Narrow, ElementType Wide)[] pairs =
        [
            (ElementType.Float16, ElementType.Float32), (ElementType.BFloat16, ElementType.Float32), (ElementType.Float32, ElementType.Float64),
            (ElementType.Int32, ElementType.Int64), (ElementType.Int8, ElementType.Int32), (ElementType.UInt8, ElementType.Int64),
            (ElementType.Bool, ElementType.UInt8), (ElementType.Int32, ElementType.Float64), (ElementType.Float16, ElementType.Float64),
        ];
        foreach (var (narrow, wide) in pairs)
        {
            var values = DTypeSamples.Values(narrow, seed, 33);
            using var a = Buffer(narrow, values);
            using var w = CpuBackend.Instance.Allocate(values.Length, wide);
            using var back = CpuBackend.Instance.Allocate(values.Length, narrow);
            var layout = StridedLayout.Contiguous([values.Length]);
            CpuBackend.Instance.Cast(a, layout, w, layout);
            CpuBackend.Instance.Cast(w, layout, back, layout);
            var result = Host(back, narrow);
            for (int i = 0; i < values.Length; i++)
            {
                bool nan = DTypeSamples.IsFloat(narrow) && double.IsNaN(DTypeSamples.Read(values, i).D);
                if (nan) Assert.True(double.IsNaN(DTypeSamples.Read(result, i).D));
                else Assert.Equal(DTypeSamples.Bits(values, i), DTypeSamples.Bits(result, i));
            }
        }
    }

    [Fact]
    public void Int64_Beyond2To53_StaysExact_ThroughInt64Copies_AndRoundsOnceToFloat64()
    {
        long big = (1L << 53) + 1;
        using var a = Buffer(ElementType.Int64, new[] { big, -big, long.MaxValue });
        using var f = CpuBackend.Instance.Allocate(3, ElementType.Float64);
        var layout = StridedLayout.Contiguous([3]);
        CpuBackend.Instance.Cast(a, layout, f, layout);
        Assert.Equal([9007199254740992.0, -9007199254740992.0, 9.2233720368547758e18], (double[])Host(f, ElementType.Float64));
        using var c = CpuBackend.Instance.Allocate(3, ElementType.Int64);
        CpuBackend.Instance.Copy(a, layout, c, layout);
        Assert.Equal([big, -big, long.MaxValue], (long[])Host(c, ElementType.Int64));
    }

    [Fact]
    public void Copy_BetweenElementTypes_IsRefused_NamingBoth()
    {
        using var a = CpuBackend.Instance.Allocate(2, ElementType.Int64);
        using var b = CpuBackend.Instance.Allocate(2, ElementType.Float32);
        var layout = StridedLayout.Contiguous([2]);
        var error = Assert.Throws<ArgumentException>(() => CpuBackend.Instance.Copy(a, layout, b, layout));
        Assert.Contains("Int64", error.Message);
        Assert.Contains("Float32", error.Message);
    }

    [Fact]
    public void FloatView_OfAnotherElementType_Throws_NamingIt()
    {
        using var a = (CpuBuffer)CpuBackend.Instance.Allocate(2, ElementType.Int64);
        Assert.Contains("Int64", Assert.Throws<InvalidOperationException>(() => a.Data).Message);
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => a.AsSpan<float>()).Message);
        a.AsSpan<long>()[1] = 7;
        Assert.Equal(7, a.AsSpan<long>()[1]);
    }

    internal static void CheckPair(ElementType from, ElementType to, int seed, int n)
    {
        var values = DTypeSamples.Values(from, seed, 2 * n);
        using var src = Buffer(from, values);
        using var dst = CpuBackend.Instance.Allocate(n, to);
        // Every other source element: the strided path.
        CpuBackend.Instance.Cast(src, new StridedLayout([n], [2], 1), dst, StridedLayout.Contiguous([n]));
        var result = Host(dst, to);
        for (int i = 0; i < n; i++)
        {
            ulong? expected = DTypeSamples.Expected(from, values, 2 * i + 1, to);
            if (expected is { } e)
                Assert.True(e == DTypeSamples.Bits(result, i), $"{from} {DTypeSamples.Read(values, 2 * i + 1)} → {to}: expected bits {e:X}, got {DTypeSamples.Bits(result, i):X}");
        }
    }

    internal static DeviceBuffer Buffer(ElementType type, Array values, IBackend? backend = null)
    {
        var b = backend ?? CpuBackend.Instance;
        var buffer = b.Allocate(values.Length, type);
        switch (values)
        {
            case float[] a: b.CopyFromHost<float>(a, buffer, 0); break;
            case double[] a: b.CopyFromHost<double>(a, buffer, 0); break;
            case Half[] a: b.CopyFromHost<Half>(a, buffer, 0); break;
            case BFloat16[] a: b.CopyFromHost<BFloat16>(a, buffer, 0); break;
            case long[] a: b.CopyFromHost<long>(a, buffer, 0); break;
            case int[] a: b.CopyFromHost<int>(a, buffer, 0); break;
            case bool[] a: b.CopyFromHost<bool>(a, buffer, 0); break;
            default:
                if (type == ElementType.Int8) b.CopyFromHost<sbyte>((sbyte[])values, buffer, 0);
                else b.CopyFromHost<byte>((byte[])values, buffer, 0);
                break;
        }
        return buffer;
    }

    internal static Array Host(DeviceBuffer buffer, ElementType type)
    {
        var b = buffer.Backend;
        int n = (int)buffer.Length;
        switch (type)
        {
            case ElementType.Float32: { var a = new float[n]; b.CopyToHost<float>(buffer, 0, a); return a; }
            case ElementType.Float64: { var a = new double[n]; b.CopyToHost<double>(buffer, 0, a); return a; }
            case ElementType.Float16: { var a = new Half[n]; b.CopyToHost<Half>(buffer, 0, a); return a; }
            case ElementType.BFloat16: { var a = new BFloat16[n]; b.CopyToHost<BFloat16>(buffer, 0, a); return a; }
            case ElementType.Int64: { var a = new long[n]; b.CopyToHost<long>(buffer, 0, a); return a; }
            case ElementType.Int32: { var a = new int[n]; b.CopyToHost<int>(buffer, 0, a); return a; }
            case ElementType.Int8: { var a = new sbyte[n]; b.CopyToHost<sbyte>(buffer, 0, a); return a; }
            case ElementType.UInt8: { var a = new byte[n]; b.CopyToHost<byte>(buffer, 0, a); return a; }
            default: { var a = new bool[n]; b.CopyToHost<bool>(buffer, 0, a); return a; }
        }
    }
}
