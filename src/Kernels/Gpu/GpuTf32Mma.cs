using ILGPU;
using ILGPU.Runtime.Cuda;

namespace DeepNet.Kernels.Gpu;

/// <summary>TF32 operands (cvt.rna: 10 mantissa bits) and `mma.sync.m16n8k8.f32.tf32.tf32.f32`; one k-step is one mma per tile.</summary>
internal readonly struct GpuTf32Mma : IGpuMma
{
    private const int S = GpuMatMulMmaKernels.Stride;

    public GpuFloat4 Round(GpuFloat4 f) => new() { X = ToTf32(f.X), Y = ToTf32(f.Y), Z = ToTf32(f.Z), W = ToTf32(f.W) };

    public void Step(ref GpuGemmAcc m0, ref GpuGemmAcc m1, ref GpuGemmAcc m2, ref GpuGemmAcc m3, ArrayView<float> scratch,
        ArrayView<float> aS, ArrayView<float> bS, int cur, int wr, int wc, int gr, int tc)
    {
        // B fragments (k = tc and tc + 4, n = gr) of the warp's four n-tiles.
        int lo = cur + tc * S + wc + gr, hi = lo + 4 * S;
        float b00 = bS[lo], b01 = bS[hi], b10 = bS[lo + 8], b11 = bS[hi + 8];
        float b20 = bS[lo + 16], b21 = bS[hi + 16], b30 = bS[lo + 24], b31 = bS[hi + 24];
        int aRow = cur + tc * S + wr + gr;
        MmaRow(ref m0, scratch, aS, aRow, b00, b01, b10, b11, b20, b21, b30, b31);
        MmaRow(ref m1, scratch, aS, aRow + 16, b00, b01, b10, b11, b20, b21, b30, b31);
        MmaRow(ref m2, scratch, aS, aRow + 32, b00, b01, b10, b11, b20, b21, b30, b31);
        MmaRow(ref m3, scratch, aS, aRow + 48, b00, b01, b10, b11, b20, b21, b30, b31);
    }

    /// <summary>One m16 row of the warp tile times its four n8 tiles; <paramref name="at"/> indexes A[k = tc, m = gr].</summary>
    private static void MmaRow(ref GpuGemmAcc acc, ArrayView<float> scratch, ArrayView<float> aS, int at,
        float b00, float b01, float b10, float b11, float b20, float b21, float b30, float b31)
    {
        // A fragment: (gr, tc), (gr + 8, tc), (gr, tc + 4), (gr + 8, tc + 4).
        float a0 = aS[at], a1 = aS[at + 8], a2 = aS[at + 4 * S], a3 = aS[at + 4 * S + 8];
        Mma(ref acc.V00, ref acc.V01, ref acc.V02, ref acc.V03, a0, a1, a2, a3, b00, b01, scratch);
        Mma(ref acc.V10, ref acc.V11, ref acc.V12, ref acc.V13, a0, a1, a2, a3, b10, b11, scratch);
        Mma(ref acc.V20, ref acc.V21, ref acc.V22, ref acc.V23, a0, a1, a2, a3, b20, b21, scratch);
        Mma(ref acc.V30, ref acc.V31, ref acc.V32, ref acc.V33, a0, a1, a2, a3, b30, b31, scratch);
    }

    /// <summary>D = A·B + D for one warp's 16×8 tile, m16n8k8 fragments (C: (gr, 2tc), (gr, 2tc+1), (gr+8, 2tc), (gr+8, 2tc+1)).</summary>
    private static void Mma(ref float c0, ref float c1, ref float c2, ref float c3,
        float a0, float a1, float a2, float a3, float b0, float b1, ArrayView<float> scratch)
    {
        if (CudaAsm.IsSupported)
        {
            Ref<float> r0 = c0, r1 = c1, r2 = c2, r3 = c3;
            Input<uint> ia0 = Interop.FloatAsInt(a0), ia1 = Interop.FloatAsInt(a1);
            Input<uint> ia2 = Interop.FloatAsInt(a2), ia3 = Interop.FloatAsInt(a3);
            Input<uint> ib0 = Interop.FloatAsInt(b0), ib1 = Interop.FloatAsInt(b1);
            CudaAsm.EmitRef(
                "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
                ref r0, ref r1, ref r2, ref r3, ref ia0, ref ia1, ref ia2, ref ia3, ref ib0, ref ib1);
            (c0, c1, c2, c3) = (r0.Value, r1.Value, r2.Value, r3.Value);
            return;
        }
        // Emulation (a barrier per exchange, not 32 shuffles): every lane puts its registers where the
        // PTX ISA fragment layout says they belong, A[16×8] then B[k, n], and reads back its C fragment.
        int lane = Warp.LaneIdx, gr = lane >> 2, tc = lane & 3;
        scratch[gr * 8 + tc] = a0;
        scratch[(gr + 8) * 8 + tc] = a1;
        scratch[gr * 8 + tc + 4] = a2;
        scratch[(gr + 8) * 8 + tc + 4] = a3;
        scratch[128 + tc * 8 + gr] = b0;
        scratch[128 + (tc + 4) * 8 + gr] = b1;
        GpuMmaEmulation.Accumulate(scratch, gr, tc, ref c0, ref c1, ref c2, ref c3);
    }

    /// <summary>Rounds to TF32 (nearest, ties away, as cvt.rna): keeps 10 mantissa bits.</summary>
    private static float ToTf32(float x)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("cvt.rna.tf32.f32 %0, %1;", out uint r, x);
            return Interop.IntAsFloat(r);
        }
        uint bits = Interop.FloatAsInt(x);
        if ((bits & 0x7F800000u) == 0x7F800000u) return x;   // inf and NaN pass unchanged
        return Interop.IntAsFloat((bits + 0x1000u) & 0xFFFFE000u);
    }
}
