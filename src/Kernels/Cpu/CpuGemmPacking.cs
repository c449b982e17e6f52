using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    // Six row pointers walked in step. With AVX, eight columns at a time: six row loads and two zero rows
    // through one 8×8 register transpose give eight packed columns (each 6 floats + 2 the next store
    // overwrites; the last is stored as 4 + 2 so nothing is written past the panel). The scalar gather
    // cost ~1 cycle a float, a tenth of the multiply-adds of an N = 128 product.
    private static void PackARowMajor(float* src, int rs, int kc, float* dst)
    {
        float* r0 = src, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs, r4 = r3 + rs, r5 = r4 + rs;
        int p = 0;
        if (Avx.IsSupported)
        {
            for (; p + 8 <= kc; p += 8, dst += 8 * CpuGemm.Mr)
            {
                CpuTranspose.StoreSixRowPanel(Vector256.Load(r0 + p), Vector256.Load(r1 + p), Vector256.Load(r2 + p),
                    Vector256.Load(r3 + p), Vector256.Load(r4 + p), Vector256.Load(r5 + p), dst);
            }
        }
        for (; p < kc; p++, dst += CpuGemm.Mr)
        {
            dst[0] = r0[p];
            dst[1] = r1[p];
            dst[2] = r2[p];
            dst[3] = r3[p];
            dst[4] = r4[p];
            dst[5] = r5[p];
        }
    }

    // A transposed: each packed column is six contiguous floats, moved as 4 + 2 (never reading past them).
    private static void PackAColumnMajor(float* src, int cs, int kc, float* dst)
    {
        for (int p = 0; p < kc; p++, dst += CpuGemm.Mr, src += cs)
        {
            Vector128.Load(src).Store(dst);
            Unsafe.WriteUnaligned(dst + 4, Unsafe.ReadUnaligned<long>(src + 4));
        }
    }

    /// <summary>dst[0..6] = v[0..6].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    // B transposed (columns contiguous, Dense's Wᵀ): read each column down, write it across the panel rows;
    // with AVX, eight columns × eight rows at a time through one 8×8 register transpose.
    private static void PackBColumnMajor(float* src, int cs, int cols, int kc, int nr, float* dst)
    {
        if (cols < nr) ZeroPanel(dst, kc, nr);
        int j = 0;
        if (Avx.IsSupported)
        {
            for (; j + 8 <= cols; j += 8)
            {
                float* c0 = src + (long)j * cs;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    float* c = c0 + p;
                    Vector256<float> v0 = Vector256.Load(c), v1 = Vector256.Load(c + cs), v2 = Vector256.Load(c + 2L * cs),
                        v3 = Vector256.Load(c + 3L * cs), v4 = Vector256.Load(c + 4L * cs), v5 = Vector256.Load(c + 5L * cs),
                        v6 = Vector256.Load(c + 6L * cs), v7 = Vector256.Load(c + 7L * cs);
                    CpuTranspose.Transpose8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    float* d = dst + (long)p * nr + j;
                    v0.Store(d);
                    v1.Store(d + nr);
                    v2.Store(d + 2 * nr);
                    v3.Store(d + 3 * nr);
                    v4.Store(d + 4 * nr);
                    v5.Store(d + 5 * nr);
                    v6.Store(d + 6 * nr);
                    v7.Store(d + 7 * nr);
                }
                for (; p < kc; p++)
                    for (int t = 0; t < 8; t++) dst[(long)p * nr + j + t] = c0[(long)t * cs + p];
            }
        }
        for (; j < cols; j++)
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
