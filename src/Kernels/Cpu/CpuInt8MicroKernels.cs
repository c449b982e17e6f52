using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepNet.Kernels.Cpu;

// Micro-kernels of the int8 GEMM: a 6×NR int32 tile c = Σ_g a-words(g) · b-words(g), written (not
// added) row-major with stride ldc. a: 6 rows of packed activation words, row r at a + r·lda, each
// word broadcast to every lane; b: [groups][NR] words of the weight panel. Each word carries G
// consecutive k: vpmaddwd multiplies int16 pairs and adds each pair into one int32 lane (exact:
// |255·127·2| fits int16·int16 → int32); vpdpbusd adds four u8·s8 products into the lane.
// Accumulators are 12 locals so the JIT keeps them in registers (12 of AVX2's 16, of AVX-512's 32).
// Oracle: CpuInt8GemmTests.
internal static unsafe class CpuInt8MicroKernels
{
    private const int Mr = CpuInt8Gemm.Mr;

    public static void Run(Int8GemmPath path, int groups, int* a, int lda, int* b, int* c, int ldc)
    {
        switch (path)
        {
            case Int8GemmPath.Avx512: Avx512Kernel(groups, a, lda, b, c, ldc); break;
            case Int8GemmPath.Avx2: Avx2Kernel(groups, a, lda, b, c, ldc); break;
            case Int8GemmPath.AvxVnni: AvxVnniKernel(groups, a, lda, b, c, ldc); break;
            default: ScalarKernel(groups, a, lda, b, c, ldc); break;
        }
    }

    /// <summary>6×32 tile, AVX-512BW vpmaddwd on int16 pairs.</summary>
    private static void Avx512Kernel(int groups, int* a, int lda, int* b, int* c, int ldc)
    {
        Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int* r0 = a, r1 = a + lda, r2 = a + 2 * lda, r3 = a + 3 * lda, r4 = a + 4 * lda, r5 = a + 5 * lda;
        for (int g = 0; g < groups; g++, b += 32)
        {
            var b0 = Vector512.Load(b).AsInt16();
            var b1 = Vector512.Load(b + 16).AsInt16();
            var a0 = Vector512.Create(r0[g]).AsInt16();
            c00 = c00 + Avx512BW.MultiplyAddAdjacent(a0, b0);
            c01 = c01 + Avx512BW.MultiplyAddAdjacent(a0, b1);
            var a1 = Vector512.Create(r1[g]).AsInt16();
            c10 = c10 + Avx512BW.MultiplyAddAdjacent(a1, b0);
            c11 = c11 + Avx512BW.MultiplyAddAdjacent(a1, b1);
            var a2 = Vector512.Create(r2[g]).AsInt16();
            c20 = c20 + Avx512BW.MultiplyAddAdjacent(a2, b0);
            c21 = c21 + Avx512BW.MultiplyAddAdjacent(a2, b1);
            var a3 = Vector512.Create(r3[g]).AsInt16();
            c30 = c30 + Avx512BW.MultiplyAddAdjacent(a3, b0);
            c31 = c31 + Avx512BW.MultiplyAddAdjacent(a3, b1);
            var a4 = Vector512.Create(r4[g]).AsInt16();
            c40 = c40 + Avx512BW.MultiplyAddAdjacent(a4, b0);
            c41 = c41 + Avx512BW.MultiplyAddAdjacent(a4, b1);
            var a5 = Vector512.Create(r5[g]).AsInt16();
            c50 = c50 + Avx512BW.MultiplyAddAdjacent(a5, b0);
            c51 = c51 + Avx512BW.MultiplyAddAdjacent(a5, b1);
        }
        c00.Store(c + 0 * ldc);
        c01.Store(c + 0 * ldc + 16);
        c10.Store(c + 1 * ldc);
        c11.Store(c + 1 * ldc + 16);
        c20.Store(c + 2 * ldc);
        c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc);
        c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc);
        c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc);
        c51.Store(c + 5 * ldc + 16);
    }

    /// <summary>6×16 tile, AVX2 vpmaddwd on int16 pairs.</summary>
    private static void Avx2Kernel(int groups, int* a, int lda, int* b, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int* r0 = a, r1 = a + lda, r2 = a + 2 * lda, r3 = a + 3 * lda, r4 = a + 4 * lda, r5 = a + 5 * lda;
        for (int g = 0; g < groups; g++, b += 16)
        {
            var b0 = Vector256.Load(b).AsInt16();
            var b1 = Vector256.Load(b + 8).AsInt16();
            var a0 = Vector256.Create(r0[g]).AsInt16();
            c00 = c00 + Avx2.MultiplyAddAdjacent(a0, b0);
            c01 = c01 + Avx2.MultiplyAddAdjacent(a0, b1);
            var a1 = Vector256.Create(r1[g]).AsInt16();
            c10 = c10 + Avx2.MultiplyAddAdjacent(a1, b0);
            c11 = c11 + Avx2.MultiplyAddAdjacent(a1, b1);
            var a2 = Vector256.Create(r2[g]).AsInt16();
            c20 = c20 + Avx2.MultiplyAddAdjacent(a2, b0);
            c21 = c21 + Avx2.MultiplyAddAdjacent(a2, b1);
            var a3 = Vector256.Create(r3[g]).AsInt16();
            c30 = c30 + Avx2.MultiplyAddAdjacent(a3, b0);
            c31 = c31 + Avx2.MultiplyAddAdjacent(a3, b1);
            var a4 = Vector256.Create(r4[g]).AsInt16();
            c40 = c40 + Avx2.MultiplyAddAdjacent(a4, b0);
            c41 = c41 + Avx2.MultiplyAddAdjacent(a4, b1);
            var a5 = Vector256.Create(r5[g]).AsInt16();
            c50 = c50 + Avx2.MultiplyAddAdjacent(a5, b0);
            c51 = c51 + Avx2.MultiplyAddAdjacent(a5, b1);
        }
        c00.Store(c + 0 * ldc);
        c01.Store(c + 0 * ldc + 8);
        c10.Store(c + 1 * ldc);
        c11.Store(c + 1 * ldc + 8);
        c20.Store(c + 2 * ldc);
        c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc);
        c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc);
        c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc);
        c51.Store(c + 5 * ldc + 8);
    }

    /// <summary>6×16 tile, AVX-VNNI vpdpbusd on u8×s8 quads.</summary>
    private static void AvxVnniKernel(int groups, int* a, int lda, int* b, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int* r0 = a, r1 = a + lda, r2 = a + 2 * lda, r3 = a + 3 * lda, r4 = a + 4 * lda, r5 = a + 5 * lda;
        for (int g = 0; g < groups; g++, b += 16)
        {
            var b0 = Vector256.Load(b).AsSByte();
            var b1 = Vector256.Load(b + 8).AsSByte();
            var a0 = Vector256.Create(r0[g]).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, a0, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, a0, b1);
            var a1 = Vector256.Create(r1[g]).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, a1, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, a1, b1);
            var a2 = Vector256.Create(r2[g]).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, a2, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, a2, b1);
            var a3 = Vector256.Create(r3[g]).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, a3, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, a3, b1);
            var a4 = Vector256.Create(r4[g]).AsByte();
            c40 = AvxVnni.MultiplyWideningAndAdd(c40, a4, b0);
            c41 = AvxVnni.MultiplyWideningAndAdd(c41, a4, b1);
            var a5 = Vector256.Create(r5[g]).AsByte();
            c50 = AvxVnni.MultiplyWideningAndAdd(c50, a5, b0);
            c51 = AvxVnni.MultiplyWideningAndAdd(c51, a5, b1);
        }
        c00.Store(c + 0 * ldc);
        c01.Store(c + 0 * ldc + 8);
        c10.Store(c + 1 * ldc);
        c11.Store(c + 1 * ldc + 8);
        c20.Store(c + 2 * ldc);
        c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc);
        c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc);
        c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc);
        c51.Store(c + 5 * ldc + 8);
    }

    /// <summary>6×16 tile from int16 pairs in plain C# (the layout of the AVX2 path).</summary>
    private static void ScalarKernel(int groups, int* a, int lda, int* b, int* c, int ldc)
    {
        const int Nr = 16;
        int* acc = stackalloc int[Mr * Nr];
        new Span<int>(acc, Mr * Nr).Clear();
        for (int g = 0; g < groups; g++, a++, b += Nr)
            for (int r = 0; r < Mr; r++)
            {
                int word = a[r * lda];
                int lo = (short)word, hi = word >> 16;
                int* row = acc + r * Nr;
                for (int j = 0; j < Nr; j++) row[j] += lo * (short)b[j] + hi * (b[j] >> 16);
            }
        for (int r = 0; r < Mr; r++) new ReadOnlySpan<int>(acc + r * Nr, Nr).CopyTo(new Span<int>(c + (long)r * ldc, Nr));
    }
}
