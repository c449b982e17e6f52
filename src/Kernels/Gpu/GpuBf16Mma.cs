using ILGPU;
using ILGPU.Runtime.Cuda;
using DeepNet.Kernels.Elements;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// BF16 operands (round to nearest even, 8 significant bits; exact for bfloat16 data) and
/// `mma.sync.m16n8k8.row.col.f32.bf16.bf16.f32`: A is 2 registers of two bf16 each, (gr, 2tc..2tc+1) and
/// (gr + 8, 2tc..2tc+1); B one register, k = 2tc..2tc+1 at n = gr; the lower k in the lower half (PTX ISA
/// "Matrix fragments for mma.m16n8k8", .bf16). C as for TF32.
/// </summary>
internal readonly struct GpuBf16Mma : IGpuMma
{
    private const int S = GpuMatMulMmaKernels.Stride;

    public GpuFloat4 Round(GpuFloat4 f) => new() { X = ToBf16(f.X), Y = ToBf16(f.Y), Z = ToBf16(f.Z), W = ToBf16(f.W) };

    public void Step(ref GpuGemmAcc m0, ref GpuGemmAcc m1, ref GpuGemmAcc m2, ref GpuGemmAcc m3, ArrayView<float> scratch,
        ArrayView<float> aS, ArrayView<float> bS, int cur, int wr, int wc, int gr, int tc)
    {
        // B fragments of the warp's four n-tiles: k = 2tc and 2tc + 1 at n = gr (+ 8j).
        int lo = cur + 2 * tc * S + wc + gr, hi = lo + S;
        uint b0 = Pack(bS[lo], bS[hi]), b1 = Pack(bS[lo + 8], bS[hi + 8]);
        uint b2 = Pack(bS[lo + 16], bS[hi + 16]), b3 = Pack(bS[lo + 24], bS[hi + 24]);
        int aRow = cur + 2 * tc * S + wr + gr;
        MmaRow(ref m0, scratch, aS, aRow, b0, b1, b2, b3);
        MmaRow(ref m1, scratch, aS, aRow + 16, b0, b1, b2, b3);
        MmaRow(ref m2, scratch, aS, aRow + 32, b0, b1, b2, b3);
        MmaRow(ref m3, scratch, aS, aRow + 48, b0, b1, b2, b3);
    }

    /// <summary>One m16 row of the warp tile times its four n8 tiles; <paramref name="at"/> indexes A[k = 2tc, m = gr].</summary>
    private static void MmaRow(ref GpuGemmAcc acc, ArrayView<float> scratch, ArrayView<float> aS, int at, uint b0, uint b1, uint b2, uint b3)
    {
        uint a0 = Pack(aS[at], aS[at + S]), a1 = Pack(aS[at + 8], aS[at + S + 8]);
        Mma(ref acc.V00, ref acc.V01, ref acc.V02, ref acc.V03, a0, a1, b0, scratch);
        Mma(ref acc.V10, ref acc.V11, ref acc.V12, ref acc.V13, a0, a1, b1, scratch);
        Mma(ref acc.V20, ref acc.V21, ref acc.V22, ref acc.V23, a0, a1, b2, scratch);
        Mma(ref acc.V30, ref acc.V31, ref acc.V32, ref acc.V33, a0, a1, b3, scratch);
    }

    /// <summary>D = A·B + D for one warp's 16×8 tile, k = 8, bf16 fragments.</summary>
    private static void Mma(ref float c0, ref float c1, ref float c2, ref float c3, uint a0, uint a1, uint b0, ArrayView<float> scratch)
    {
        if (CudaAsm.IsSupported)
        {
            Ref<float> r0 = c0, r1 = c1, r2 = c2, r3 = c3;
            Input<uint> ia0 = a0, ia1 = a1, ib0 = b0;
            CudaAsm.EmitRef(
                "mma.sync.aligned.m16n8k8.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5}, {%6}, {%0,%1,%2,%3};",
                ref r0, ref r1, ref r2, ref r3, ref ia0, ref ia1, ref ib0);
            (c0, c1, c2, c3) = (r0.Value, r1.Value, r2.Value, r3.Value);
            return;
        }
        int lane = Warp.LaneIdx, gr = lane >> 2, tc = lane & 3;
        scratch[gr * 8 + 2 * tc] = Low(a0);
        scratch[gr * 8 + 2 * tc + 1] = High(a0);
        scratch[(gr + 8) * 8 + 2 * tc] = Low(a1);
        scratch[(gr + 8) * 8 + 2 * tc + 1] = High(a1);
        scratch[128 + 2 * tc * 8 + gr] = Low(b0);
        scratch[128 + (2 * tc + 1) * 8 + gr] = High(b0);
        GpuMmaEmulation.Accumulate(scratch, gr, tc, ref c0, ref c1, ref c2, ref c3);
    }

    /// <summary>Two bf16-valued floats as one register: <paramref name="lower"/> (the lower k) in bits 0–15.</summary>
    private static uint Pack(float lower, float upper) => (Interop.FloatAsInt(upper) & 0xFFFF0000u) | (Interop.FloatAsInt(lower) >> 16);

    private static float Low(uint pair) => Interop.IntAsFloat(pair << 16);

    private static float High(uint pair) => Interop.IntAsFloat(pair & 0xFFFF0000u);

    /// <summary>Rounds to bfloat16 as every bf16 cast here does (nearest even; NaN to the quiet NaN), kept as a float.</summary>
    private static float ToBf16(float x) => HalfBits.BFloat16ToFloat(HalfBits.FloatToBFloat16(x));
}
