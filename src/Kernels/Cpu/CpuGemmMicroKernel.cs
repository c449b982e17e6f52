using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// The GEMM micro-kernel: an MR×NR tile of c (+)= packed A panel [kc, MR] · packed B panel [kc, NR].
// a: column p of the A panel at a + p·MR; b: row p of the B panel at b + p·NR; c: row-major, ldc.
// Variants: AVX-512 6×32 (12 Vector512 accumulators in registers, NR = 32) when Vector512 is
// accelerated, else 6×16 with Vector256 (12 accumulators, fits AVX2's 16 registers). Per k step:
// two B vector loads, six broadcasts of A, twelve FMAs. Oracle: CpuMatMulTests.
internal static unsafe class CpuGemmMicroKernel
{
    private const int Mr = CpuGemm.Mr;
    private const int W16 = 16;
    private const int W8 = 8;

    /// <summary>Runs the tile kernel for this machine's vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        if (Vector512.IsHardwareAccelerated) Kernel512(kc, a, b, c, ldc, add);
        else Kernel256(kc, a, b, c, ldc, add);
    }

    /// <summary>6×32 tile: c[6, 32] (+)= a[6, kc]·b[kc, 32] from packed panels, Vector512 FMA.</summary>
    private static void Kernel512(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += Mr, b += 2 * W16)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + W16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
        }
        Store(c + 0 * ldc, c00, c01, add);
        Store(c + 1 * ldc, c10, c11, add);
        Store(c + 2 * ldc, c20, c21, add);
        Store(c + 3 * ldc, c30, c31, add);
        Store(c + 4 * ldc, c40, c41, add);
        Store(c + 5 * ldc, c50, c51, add);
    }

    /// <summary>6×16 tile: c[6, 16] (+)= a[6, kc]·b[kc, 16] from packed panels, Vector256 FMA.</summary>
    private static void Kernel256(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += Mr, b += 2 * W8)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + W8);
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
        Store(c + 0 * ldc, c00, c01, add);
        Store(c + 1 * ldc, c10, c11, add);
        Store(c + 2 * ldc, c20, c21, add);
        Store(c + 3 * ldc, c30, c31, add);
        Store(c + 4 * ldc, c40, c41, add);
        Store(c + 5 * ldc, c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool add)
    {
        if (add)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + W16);
        }
        v0.Store(c);
        v1.Store(c + W16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool add)
    {
        if (add)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + W8);
        }
        v0.Store(c);
        v1.Store(c + W8);
    }
}
