using DeepNet.Kernels.Cpu;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Cpu;

/// <summary>
/// CpuInt8Gemm against a scalar int32 triple loop: exact equality on every ISA path this machine
/// has (the others skip, naming the path), at random and awkward shapes (odd K and N, edge tiles,
/// extreme codes 0/255 × −128/127 that would saturate vpmaddubsw).
/// </summary>
public class CpuInt8GemmTests
{
    public static TheoryData<Int8GemmPath> Paths => [.. Enum.GetValues<Int8GemmPath>()];

    [Property(MaxTest = 40)]
    public void Run_EqualsScalarReference_ForRandomShapesOnEveryPath(byte m, byte n, byte k, int seed)
    {
        int mm = 1 + m % 40, nn = 1 + n % 70, kk = 1 + k % 90;
        foreach (var path in Enum.GetValues<Int8GemmPath>().Where(Int8GemmPaths.IsSupported))
            Check(path, mm, nn, kk, seed, extremes: false);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Run_EqualsScalarReference_AtAwkwardShapes(Int8GemmPath path)
    {
        Assert.SkipUnless(Int8GemmPaths.IsSupported(path), $"this CPU has no {path} instructions");
        foreach (var (m, n, k) in new[] { (1, 1, 1), (6, 16, 2), (7, 17, 3), (5, 33, 5), (13, 31, 127), (64, 10, 800), (1, 130, 129), (200, 64, 33) })
            Check(path, m, n, k, m * 1000 + n, extremes: false);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Run_IsExact_AtTheExtremeCodesThatSaturateInt16(Int8GemmPath path)
    {
        Assert.SkipUnless(Int8GemmPaths.IsSupported(path), $"this CPU has no {path} instructions");
        Check(path, 9, 35, 257, 7, extremes: true);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Run_Parallel_EqualsSerial_OnABigProduct(Int8GemmPath path)
    {
        Assert.SkipUnless(Int8GemmPaths.IsSupported(path), $"this CPU has no {path} instructions");
        Check(path, 130, 200, 301, 11, extremes: false);   // M·N·K above ParallelWork
    }

    [Fact]
    public void Run_HonoursRowStrides()
    {
        int m = 5, n = 9, k = 7, lda = 11, ldc = 13;
        var (a, w) = Operands(m * lda, n * k, 3, extremes: false);
        var packed = new CpuInt8Weight(w, n, k, Int8GemmPaths.Best);
        var c = new int[m * ldc];
        Array.Fill(c, -1);
        CpuInt8Gemm.Run(a, lda, m, packed, c, ldc);
        var expected = Reference(a, lda, w, m, n, k);
        for (int i = 0; i < m; i++)
        {
            Assert.Equal(expected.AsSpan(i * n, n).ToArray(), c.AsSpan(i * ldc, n).ToArray());
            Assert.All(c.AsSpan(i * ldc + n, ldc - n).ToArray(), v => Assert.Equal(-1, v));
        }
    }

    [Fact]
    public void Weight_RejectsAMismatchedShape_AndTooDeepK()
    {
        var e = Assert.Throws<ArgumentException>(() => new CpuInt8Weight(new sbyte[10], 3, 4, Int8GemmPath.Scalar));
        Assert.Contains("[N=3, K=4]", e.Message);
        var deep = Assert.Throws<ArgumentException>(() => new CpuInt8Weight(new sbyte[CpuInt8Gemm.MaxK + 1], 1, CpuInt8Gemm.MaxK + 1, Int8GemmPath.Scalar));
        Assert.Contains("int32 accumulation", deep.Message);
    }

    [Fact]
    public void Weight_ColumnSums_AreRowSumsOfTheWeight()
    {
        sbyte[] w = [1, -2, 3, 127, -128, 0];
        var packed = new CpuInt8Weight(w, 2, 3, Int8GemmPath.Scalar);
        Assert.Equal([2, -1], packed.ColumnSums);
    }

    private static void Check(Int8GemmPath path, int m, int n, int k, int seed, bool extremes)
    {
        var (a, w) = Operands(m * k, n * k, seed, extremes);
        var packed = new CpuInt8Weight(w, n, k, path);
        var c = new int[m * n];
        CpuInt8Gemm.Run(a, k, m, packed, c, n);
        Assert.Equal(Reference(a, k, w, m, n, k), c);
    }

    private static (byte[] A, sbyte[] W) Operands(int aLength, int wLength, int seed, bool extremes)
    {
        var rng = new Random(seed);
        var a = new byte[aLength];
        var w = new sbyte[wLength];
        for (int i = 0; i < a.Length; i++) a[i] = extremes ? (byte)255 : (byte)rng.Next(256);
        for (int i = 0; i < w.Length; i++) w[i] = extremes ? (i % 3 == 0 ? (sbyte)127 : (sbyte)-128) : (sbyte)rng.Next(-128, 128);
        return (a, w);
    }

    private static int[] Reference(byte[] a, int lda, sbyte[] w, int m, int n, int k)
    {
        var c = new int[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int sum = 0;
                for (int p = 0; p < k; p++) sum += a[i * lda + p] * w[j * k + p];
                c[i * n + j] = sum;
            }
        return c;
    }
}
