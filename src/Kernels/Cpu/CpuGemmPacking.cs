using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// Packing for the CPU GEMM: strided operands become the contiguous panels the micro-kernel reads.
//   A block [mc, kc] (element (i, p) at a + i·rs + p·cs) → ⌈mc/MR⌉ panels of kc columns of MR
//     rows: panel[i/MR][p·MR + i%MR]; rows past mc are zero.
//   B block [kc, nc] (element (p, j) at b + p·rs + j·cs) → ⌈nc/NR⌉ panels of kc rows of NR
//     columns: panel[j/NR][p·NR + j%NR]; columns past nc are zero.
// Every stride pattern is accepted (transposes, broadcasts with stride 0); the common unit-stride
// cases take a fast path. Oracle: CpuMatMulTests (transposed, broadcast and edge-size cases).
internal static unsafe class CpuGemmPacking
{
    /// <summary>Packs A[0..mc, 0..kc] into MR-row panels at <paramref name="dst"/>.</summary>
    public static void PackA(float* a, int rs, int cs, int mc, int kc, float* dst)
    {
        const int mr = CpuGemm.Mr;
        for (int ir = 0; ir < mc; ir += mr, dst += mr * kc)
        {
            float* src = a + (long)ir * rs;
            int rows = Math.Min(mr, mc - ir);
            if (rows == mr && cs == 1) PackARowMajor(src, rs, kc, dst);
            else if (rows == mr && rs == 1) PackAColumnMajor(src, cs, kc, dst);
            else PackAGeneric(src, rs, cs, rows, kc, dst);
        }
    }

    /// <summary>Packs B[0..kc, 0..nc] into NR-column panels at <paramref name="dst"/>.</summary>
    public static void PackB(float* b, int rs, int cs, int kc, int nc, float* dst)
    {
        int nr = CpuGemm.Nr;
        for (int jr = 0; jr < nc; jr += nr, dst += nr * kc)
        {
            float* src = b + (long)jr * cs;
            int cols = Math.Min(nr, nc - jr);
            if (cols == nr && cs == 1) PackBRowMajor(src, rs, kc, nr, dst);
            else if (rs == 1) PackBColumnMajor(src, cs, cols, kc, nr, dst);
            else PackBGeneric(src, rs, cs, cols, kc, nr, dst);
        }
    }

    // Six row pointers walked in step: each packed column is one gather of six floats.
    private static void PackARowMajor(float* src, int rs, int kc, float* dst)
    {
        float* r0 = src, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs, r4 = r3 + rs, r5 = r4 + rs;
        for (int p = 0; p < kc; p++, dst += CpuGemm.Mr)
        {
            dst[0] = r0[p];
            dst[1] = r1[p];
            dst[2] = r2[p];
            dst[3] = r3[p];
            dst[4] = r4[p];
            dst[5] = r5[p];
        }
    }

    private static void PackAColumnMajor(float* src, int cs, int kc, float* dst)
    {
        for (int p = 0; p < kc; p++, dst += CpuGemm.Mr, src += cs)
        {
            dst[0] = src[0];
            dst[1] = src[1];
            dst[2] = src[2];
            dst[3] = src[3];
            dst[4] = src[4];
            dst[5] = src[5];
        }
    }

    private static void PackAGeneric(float* src, int rs, int cs, int rows, int kc, float* dst)
    {
        const int mr = CpuGemm.Mr;
        for (int p = 0; p < kc; p++, dst += mr)
        {
            int i = 0;
            for (; i < rows; i++) dst[i] = src[(long)i * rs + (long)p * cs];
            for (; i < mr; i++) dst[i] = 0f;
        }
    }

    // Each packed row is a contiguous copy of NR floats: whole vectors.
    private static void PackBRowMajor(float* src, int rs, int kc, int nr, float* dst)
    {
        for (int p = 0; p < kc; p++, dst += nr, src += rs)
        {
            if (Vector512.IsHardwareAccelerated)
                for (int j = 0; j < nr; j += Vector512<float>.Count) Vector512.Store(Vector512.Load(src + j), dst + j);
            else
                for (int j = 0; j < nr; j += Vector256<float>.Count) Vector256.Store(Vector256.Load(src + j), dst + j);
        }
    }

    // B transposed (columns contiguous): read each column down, write it across the panel rows.
    private static void PackBColumnMajor(float* src, int cs, int cols, int kc, int nr, float* dst)
    {
        if (cols < nr) ZeroPanel(dst, kc, nr);
        for (int j = 0; j < cols; j++)
        {
            float* col = src + (long)j * cs, d = dst + j;
            for (int p = 0; p < kc; p++) d[p * nr] = col[p];
        }
    }

    private static void PackBGeneric(float* src, int rs, int cs, int cols, int kc, int nr, float* dst)
    {
        for (int p = 0; p < kc; p++, dst += nr)
        {
            int j = 0;
            for (; j < cols; j++) dst[j] = src[(long)p * rs + (long)j * cs];
            for (; j < nr; j++) dst[j] = 0f;
        }
    }

    private static void ZeroPanel(float* dst, int kc, int nr) => new Span<float>(dst, kc * nr).Clear();
}
