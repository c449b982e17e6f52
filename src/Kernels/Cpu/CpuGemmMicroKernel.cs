using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepNet.Kernels.Cpu;

// The GEMM micro-kernel: an MR×NR tile of c (+)= packed A panel [kc, MR] · packed B panel [kc, NR].
// a: column p of the A panel at a + p·MR; b: row p of the B panel at b + p·NR; c: row-major, ldc.
// Variants: AVX-512 6×64 (24 Vector512 accumulators held in registers, NR = 64) when
// Vector512 is accelerated, else 6×16 with Vector256 (12 accumulators, fits AVX2's 16 registers;
// 4×24 would need 3 B loads + 4 broadcasts per 12 FMAs instead of 2 + 6, but MR = 6 is shared with the
// conv packings, and the 6×16 tile already runs at MKL's Zen AVX2 sgemm rate). Per k step (512): 4 B
// vector loads, six broadcasts of A, 24 FMAs. Oracle: CpuMatMulTests; CpuGemmMicroKernelTests calls both
// kernels directly, so either is checked on any machine.
internal static unsafe class CpuGemmMicroKernel
{
    private const int Mr = CpuGemm.Mr;

    /// <summary>Runs the tile kernel for this machine's vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        if (Vector512.IsHardwareAccelerated) Kernel512(kc, a, b, c, ldc, add);
        else Kernel256(kc, a, b, c, ldc, add);
    }

    /// <summary>6×64 tile: c[6, 64] (+)= a[6, kc]·b[kc, 64] from packed panels, Vector512 FMA.</summary>
    internal static void Kernel512(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        // The C tile is read only after the k loop: fetch its lines now so the misses overlap the FMAs.
        for (int i = 0; i < Mr && Sse.IsSupported; i++)
        {
            Sse.Prefetch0(c + i * ldc + 0);
            Sse.Prefetch0(c + i * ldc + 16);
            Sse.Prefetch0(c + i * ldc + 32);
            Sse.Prefetch0(c + i * ldc + 48);
        }
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default, c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default, c40 = default, c41 = default, c42 = default, c43 = default, c50 = default, c51 = default, c52 = default, c53 = default;
        for (int p = 0; p < kc; p++, a += Mr, b += 64)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16), b2 = Vector512.Load(b + 32), b3 = Vector512.Load(b + 48);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            c02 = Vector512.FusedMultiplyAdd(a0, b2, c02);
            c03 = Vector512.FusedMultiplyAdd(a0, b3, c03);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            c12 = Vector512.FusedMultiplyAdd(a1, b2, c12);
            c13 = Vector512.FusedMultiplyAdd(a1, b3, c13);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            c22 = Vector512.FusedMultiplyAdd(a2, b2, c22);
            c23 = Vector512.FusedMultiplyAdd(a2, b3, c23);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            c32 = Vector512.FusedMultiplyAdd(a3, b2, c32);
            c33 = Vector512.FusedMultiplyAdd(a3, b3, c33);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            c42 = Vector512.FusedMultiplyAdd(a4, b2, c42);
            c43 = Vector512.FusedMultiplyAdd(a4, b3, c43);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            c52 = Vector512.FusedMultiplyAdd(a5, b2, c52);
            c53 = Vector512.FusedMultiplyAdd(a5, b3, c53);
        }
        Store(c + 0 * ldc + 0, c00, add);
        Store(c + 0 * ldc + 16, c01, add);
        Store(c + 0 * ldc + 32, c02, add);
        Store(c + 0 * ldc + 48, c03, add);
        Store(c + 1 * ldc + 0, c10, add);
        Store(c + 1 * ldc + 16, c11, add);
        Store(c + 1 * ldc + 32, c12, add);
        Store(c + 1 * ldc + 48, c13, add);
        Store(c + 2 * ldc + 0, c20, add);
        Store(c + 2 * ldc + 16, c21, add);
        Store(c + 2 * ldc + 32, c22, add);
        Store(c + 2 * ldc + 48, c23, add);
        Store(c + 3 * ldc + 0, c30, add);
        Store(c + 3 * ldc + 16, c31, add);
        Store(c + 3 * ldc + 32, c32, add);
        Store(c + 3 * ldc + 48, c33, add);
        Store(c + 4 * ldc + 0, c40, add);
        Store(c + 4 * ldc + 16, c41, add);
        Store(c + 4 * ldc + 32, c42, add);
        Store(c + 4 * ldc + 48, c43, add);
        Store(c + 5 * ldc + 0, c50, add);
        Store(c + 5 * ldc + 16, c51, add);
        Store(c + 5 * ldc + 32, c52, add);
        Store(c + 5 * ldc + 48, c53, add);
    }

    /// <summary>6×16 tile: c[6, 16] (+)= a[6, kc]·b[kc, 16] from packed panels, Vector256 FMA.</summary>
    /// <remarks>
    /// The C lines are prefetched as in the AVX-512 kernel and the k loop is unrolled by four (the 12
    /// accumulators stay in registers across <see cref="Step256"/>): on a 2016² product with C out of
    /// cache the two took the AVX2 path from 82–90 to 91–101 GFLOP/s per core-second (Zen 4 held to AVX2).
    /// </remarks>
    internal static void Kernel256(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        // A short depth (the conv's input gradient has kc = out-channels) means a C tile in L1 and
        // a loop too short to hide a miss: the prefetches would be pure cost there.
        for (int i = 0; i < Mr && Sse.IsSupported && kc >= 32; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + 15);
        }
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4, a += 4 * Mr, b += 64)
        {
            Step256(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step256(a + Mr, b + 16, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step256(a + 2 * Mr, b + 32, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step256(a + 3 * Mr, b + 48, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; p < kc; p++, a += Mr, b += 16)
            Step256(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        Store(c + 0 * ldc + 0, c00, add);
        Store(c + 0 * ldc + 8, c01, add);
        Store(c + 1 * ldc + 0, c10, add);
        Store(c + 1 * ldc + 8, c11, add);
        Store(c + 2 * ldc + 0, c20, add);
        Store(c + 2 * ldc + 8, c21, add);
        Store(c + 3 * ldc + 0, c30, add);
        Store(c + 3 * ldc + 8, c31, add);
        Store(c + 4 * ldc + 0, c40, add);
        Store(c + 4 * ldc + 8, c41, add);
        Store(c + 5 * ldc + 0, c50, add);
        Store(c + 5 * ldc + 8, c51, add);
    }

    /// <summary>One k step of the 6×16 tile: two B vector loads, six broadcasts of A, 12 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step256(float* a, float* b,
        ref Vector256<float> c00, ref Vector256<float> c01, ref Vector256<float> c10, ref Vector256<float> c11,
        ref Vector256<float> c20, ref Vector256<float> c21, ref Vector256<float> c30, ref Vector256<float> c31,
        ref Vector256<float> c40, ref Vector256<float> c41, ref Vector256<float> c50, ref Vector256<float> c51)
    {
        Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
        Vector256<float> a0 = Vector256.Create(a[0]);
        c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
        c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
        Vector256<float> a1 = Vector256.Create(a[1]);
        c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
        c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
        Vector256<float> a2 = Vector256.Create(a[2]);
        c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
        c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
        Vector256<float> a3 = Vector256.Create(a[3]);
        c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
        c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
        Vector256<float> a4 = Vector256.Create(a[4]);
        c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
        c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
        Vector256<float> a5 = Vector256.Create(a[5]);
        c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
        c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v, bool add)
    {
        if (add) v += Vector512.Load(c);
        v.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v, bool add)
    {
        if (add) v += Vector256.Load(c);
        v.Store(c);
    }
}
