using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepNet.Kernels.Cpu;

/// <summary>Register transposes shared by the packing loops (int8 quantization, the implicit-GEMM conv).</summary>
internal static class CpuTranspose
{
    /// <summary>
    /// Eight columns of six rows (v0..v5, one row each) as one six-row panel group at o: column j at
    /// o + 6·j, exactly 48 floats (the last column is stored as 4 + 2, so nothing past the group is written).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void StoreSixRowPanel(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2,
        Vector256<float> v3, Vector256<float> v4, Vector256<float> v5, float* o)
    {
        Vector256<float> v6 = Vector256<float>.Zero, v7 = Vector256<float>.Zero;
        Transpose8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        v0.Store(o);
        v1.Store(o + 6);
        v2.Store(o + 12);
        v3.Store(o + 18);
        v4.Store(o + 24);
        v5.Store(o + 30);
        v6.Store(o + 36);
        v7.GetLower().Store(o + 42);
        Unsafe.WriteUnaligned(o + 46, v7.GetUpper().AsInt64().ToScalar());
    }

    /// <summary>Transposes the 8×8 matrix whose rows are v0..v7 in registers: afterwards vj holds element j of each input row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(ref Vector256<float> v0, ref Vector256<float> v1, ref Vector256<float> v2, ref Vector256<float> v3,
        ref Vector256<float> v4, ref Vector256<float> v5, ref Vector256<float> v6, ref Vector256<float> v7)
    {
        if (!Avx.IsSupported)
        {
            // Kept out of line: a stackalloc would stop the JIT inlining the AVX body into the packing loops.
            TransposeScalar(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
            return;
        }
        var t0 = Avx.UnpackLow(v0, v1);
        var t1 = Avx.UnpackHigh(v0, v1);
        var t2 = Avx.UnpackLow(v2, v3);
        var t3 = Avx.UnpackHigh(v2, v3);
        var t4 = Avx.UnpackLow(v4, v5);
        var t5 = Avx.UnpackHigh(v4, v5);
        var t6 = Avx.UnpackLow(v6, v7);
        var t7 = Avx.UnpackHigh(v6, v7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        v0 = Avx.Permute2x128(s0, s4, 0x20);
        v1 = Avx.Permute2x128(s1, s5, 0x20);
        v2 = Avx.Permute2x128(s2, s6, 0x20);
        v3 = Avx.Permute2x128(s3, s7, 0x20);
        v4 = Avx.Permute2x128(s0, s4, 0x31);
        v5 = Avx.Permute2x128(s1, s5, 0x31);
        v6 = Avx.Permute2x128(s2, s6, 0x31);
        v7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TransposeScalar(ref Vector256<float> v0, ref Vector256<float> v1, ref Vector256<float> v2, ref Vector256<float> v3,
        ref Vector256<float> v4, ref Vector256<float> v5, ref Vector256<float> v6, ref Vector256<float> v7)
    {
        Span<float> m = stackalloc float[64];
        v0.CopyTo(m); v1.CopyTo(m[8..]); v2.CopyTo(m[16..]); v3.CopyTo(m[24..]);
        v4.CopyTo(m[32..]); v5.CopyTo(m[40..]); v6.CopyTo(m[48..]); v7.CopyTo(m[56..]);
        Span<float> t = stackalloc float[64];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) t[j * 8 + i] = m[i * 8 + j];
        v0 = Vector256.Create(t[..8]); v1 = Vector256.Create(t[8..16]); v2 = Vector256.Create(t[16..24]); v3 = Vector256.Create(t[24..32]);
        v4 = Vector256.Create(t[32..40]); v5 = Vector256.Create(t[40..48]); v6 = Vector256.Create(t[48..56]); v7 = Vector256.Create(t[56..64]);
    }
}
