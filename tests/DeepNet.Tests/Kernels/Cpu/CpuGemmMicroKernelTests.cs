using DeepNet.Kernels.Cpu;
using Xunit;

namespace DeepNet.Tests.Kernels.Cpu;

/// <summary>
/// Both GEMM micro-kernels (AVX-512 6×64 and AVX2 6×16) called directly on hand-packed panels against
/// a naive loop in double, whichever one this machine's GEMM dispatches to: an AVX-512 CI machine
/// still checks the AVX2 tile (Vector256 runs everywhere .NET does), and an AVX2-only one the 6×64
/// tile. Depths cover the unrolled k loop's tails. Also the A packing's vector paths (row-major
/// through the 8×8 transpose, column-major as 4 + 2 floats) against the packing's definition, with
/// a guard region that must stay untouched; the B packing likewise (row-major copies, column-major
/// through the same transpose).
/// </summary>
public unsafe class CpuGemmMicroKernelTests
{
    private const double TolerancePerK = 1e-5;

    [Theory]
    [InlineData(16, 0)]
    [InlineData(16, 1)]
    [InlineData(16, 3)]
    [InlineData(16, 4)]
    [InlineData(16, 5)]
    [InlineData(16, 67)]
    [InlineData(16, 512)]
    [InlineData(64, 1)]
    [InlineData(64, 7)]
    [InlineData(64, 130)]
    public void Kernel_MatchesNaive_OnPackedPanels(int nr, int kc)
    {
        const int mr = CpuGemm.Mr;
        var rng = new Random(kc * 31 + nr);
        float[] a = Uniform(rng, mr * kc), b = Uniform(rng, kc * nr);   // a: panel [kc, MR]; b: panel [kc, NR]
        int ldc = nr + 3;
        foreach (bool add in new[] { false, true })
        {
            float[] c = Uniform(rng, mr * ldc), before = (float[])c.Clone();
            fixed (float* pa = a, pb = b, pc = c)
            {
                if (nr == 16) CpuGemmMicroKernel.Kernel256(kc, pa, pb, pc, ldc, add);
                else CpuGemmMicroKernel.Kernel512(kc, pa, pb, pc, ldc, add);
            }
            for (int i = 0; i < mr; i++)
            {
                for (int j = 0; j < nr; j++)
                {
                    double expected = add ? before[i * ldc + j] : 0;
                    for (int p = 0; p < kc; p++) expected += (double)a[p * mr + i] * b[p * nr + j];
                    Assert.True(Math.Abs(c[i * ldc + j] - expected) <= TolerancePerK * (kc + 1),
                        $"nr {nr}, kc {kc}, add {add}: c[{i}, {j}] = {c[i * ldc + j]}, expected {expected}");
                }
                for (int j = nr; j < ldc; j++) Assert.Equal(before[i * ldc + j], c[i * ldc + j]);
            }
        }
    }

    [Theory]
    [InlineData(6, 0)]
    [InlineData(6, 7)]
    [InlineData(6, 8)]
    [InlineData(6, 9)]
    [InlineData(12, 16)]
    [InlineData(13, 71)]
    [InlineData(5, 20)]
    [InlineData(96, 512)]
    public void PackA_MatchesDefinition_RowAndColumnMajor(int mc, int kc)
    {
        const int mr = CpuGemm.Mr, guard = 32;
        var rng = new Random(mc * 1000 + kc);
        int panels = (mc + mr - 1) / mr, ld = kc + 5;
        float[] rowMajor = Uniform(rng, mc * ld), colMajor = new float[kc * (mc + 3)];
        for (int i = 0; i < mc; i++)
            for (int p = 0; p < kc; p++) colMajor[p * (mc + 3) + i] = rowMajor[i * ld + p];
        foreach (bool transposed in new[] { false, true })
        {
            var dst = new float[panels * mr * kc + guard];
            Array.Fill(dst, float.NaN);
            fixed (float* src = transposed ? colMajor : rowMajor, d = dst)
            {
                if (transposed) CpuGemmPacking.PackA(src, 1, mc + 3, mc, kc, d);
                else CpuGemmPacking.PackA(src, ld, 1, mc, kc, d);
            }
            for (int i = 0; i < panels * mr; i++)
                for (int p = 0; p < kc; p++)
                {
                    float expected = i < mc ? rowMajor[i * ld + p] : 0f;
                    Assert.True(expected.Equals(dst[i / mr * mr * kc + p * mr + i % mr]),
                        $"transposed {transposed}, mc {mc}, kc {kc}: row {i}, column {p}");
                }
            for (int g = panels * mr * kc; g < dst.Length; g++) Assert.True(float.IsNaN(dst[g]), $"wrote past the panels at {g}");
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 7)]
    [InlineData(1, 9)]
    [InlineData(2, 71)]
    [InlineData(0, 16)]
    [InlineData(0, 5)]
    public void PackB_MatchesDefinition_RowAndColumnMajor(int extraPanels, int kc)
    {
        int nr = CpuGemm.Nr, guard = 32;
        // Whole panels plus a ragged one (nc = nr·extraPanels + 5), so full and zero-padded panels both run.
        int nc = nr * extraPanels + 5, panels = (nc + nr - 1) / nr, ld = nc + 3, ldT = kc + 2;
        var rng = new Random(nc * 1000 + kc);
        float[] rowMajor = Uniform(rng, kc * ld), colMajor = new float[nc * ldT];
        for (int p = 0; p < kc; p++)
            for (int j = 0; j < nc; j++) colMajor[j * ldT + p] = rowMajor[p * ld + j];
        foreach (bool transposed in new[] { false, true })
        {
            var dst = new float[panels * nr * kc + guard];
            Array.Fill(dst, float.NaN);
            fixed (float* src = transposed ? colMajor : rowMajor, d = dst)
            {
                if (transposed) CpuGemmPacking.PackB(src, 1, ldT, kc, nc, d);
                else CpuGemmPacking.PackB(src, ld, 1, kc, nc, d);
            }
            for (int j = 0; j < panels * nr; j++)
                for (int p = 0; p < kc; p++)
                {
                    float expected = j < nc ? rowMajor[p * ld + j] : 0f;
                    Assert.True(expected.Equals(dst[j / nr * nr * kc + p * nr + j % nr]),
                        $"transposed {transposed}, nc {nc}, kc {kc}: row {p}, column {j}");
                }
            for (int g = panels * nr * kc; g < dst.Length; g++) Assert.True(float.IsNaN(dst[g]), $"wrote past the panels at {g}");
        }
    }

    private static float[] Uniform(Random rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }
}
