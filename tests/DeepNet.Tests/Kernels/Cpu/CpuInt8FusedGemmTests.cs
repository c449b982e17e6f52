using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Cpu;

/// <summary>
/// CpuInt8Gemm.RunFused (quantize while packing, requantize per tile) against the three separate
/// passes it replaces — CpuQuantize.Run, CpuInt8Gemm.Run, CpuQuantize.Requantize — bit for bit, on
/// every ISA path this machine has, with and without bias and ReLU, at random and edge-tile shapes,
/// row strides and products big enough to run in parallel (one row block: panels split; many: row blocks split).
/// </summary>
public class CpuInt8FusedGemmTests
{
    public static TheoryData<Int8GemmPath> Paths => [.. Enum.GetValues<Int8GemmPath>()];

    [Property(MaxTest = 30)]
    public void RunFused_EqualsTheSeparatePasses_ForRandomShapesOnEveryPath(byte m, byte n, byte k, bool bias, bool relu, int seed)
    {
        foreach (var path in Enum.GetValues<Int8GemmPath>().Where(Int8GemmPaths.IsSupported))
            Check(path, 1 + m % 40, 1 + n % 70, 1 + k % 90, k + 3, n + 5, bias, relu, seed);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RunFused_EqualsTheSeparatePasses_AtEdgeTilesStridesAndInParallel(Int8GemmPath path)
    {
        Assert.SkipUnless(Int8GemmPaths.IsSupported(path), $"this CPU has no {path} instructions");
        foreach (var (m, n, k) in new[] { (1, 1, 1), (6, 16, 2), (7, 33, 17), (13, 31, 127), (64, 200, 301), (130, 200, 301), (700, 40, 64) })
        {
            Check(path, m, n, k, k, n, bias: true, relu: false, seed: m + n);
            Check(path, m, n, k, k + 5, n + 3, bias: false, relu: true, seed: m * n);
        }
    }

    private static unsafe void Check(Int8GemmPath path, int m, int n, int k, int ldx, int ldy, bool bias, bool relu, int seed)
    {
        var random = new Random(seed);
        var x = new float[m * ldx];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 6 - 2);   // some inputs clamp at 0 and 255
        var w = new sbyte[n * k];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)random.Next(-127, 128);
        var scales = Enumerable.Range(0, n).Select(j => 0.001f + j * 1e-4f).ToArray();
        var b = bias ? Enumerable.Range(0, n).Select(j => (float)(random.NextDouble() - 0.5)).ToArray() : null;
        var weight = new CpuInt8Weight(w, n, k, path, scales);
        float inputScale = 5f / 255f;
        int zeroPoint = 100;

        var fused = new float[m * ldy];
        Array.Fill(fused, float.NaN);
        CpuInt8Gemm.RunFused(x, ldx, m, 1f / inputScale, zeroPoint, weight, new CpuInt8Epilogue(weight, inputScale, zeroPoint, b, relu), fused, ldy);

        var q = new byte[m * k];
        var acc = new int[m * n];
        var expected = new float[m * n];
        var combined = scales.Select(s => inputScale * s).ToArray();
        fixed (float* px = x, pe = expected, pb = b)
        fixed (byte* pq = q)
        fixed (int* pa = acc)
        {
            CpuQuantize.Run(px, ldx, 1, m, k, pq, k, 1f / inputScale, zeroPoint);
            CpuInt8Gemm.Run(q, k, m, weight, acc, n);
            CpuQuantize.Requantize(pa, n, m, n, zeroPoint, weight.ColumnSums, combined, pb, pe, n, 1, relu);
        }
        for (int i = 0; i < m; i++)
        {
            Assert.Equal(expected.AsSpan(i * n, n).ToArray(), fused.AsSpan(i * ldy, n).ToArray());
            Assert.All(fused.AsSpan(i * ldy + n, ldy - n).ToArray(), v => Assert.True(float.IsNaN(v), "wrote past the row"));
        }
    }
}
