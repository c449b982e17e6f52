using ILGPU;
using ILGPU.Runtime.Cuda;
using static DeepNet.Kernels.Gpu.GpuGemmTile;

namespace DeepNet.Kernels.Gpu;

// Batched GEMM on tensor cores in TF32 (10-bit mantissa inputs, fp32 accumulate), sm_80+, through
// inline PTX `mma.sync.m16n8k8`. Same block (128×128, 256 threads), loaders and double-buffered
// k-major shared tiles as Tile128, operands rounded to TF32 (cvt.rna) once as they enter shared
// memory; rows padded by 8 floats so each fragment read of a warp hits 32 distinct banks.
// Warps 2×4, each 64×32 of C = 4×4 mma tiles. On the CPU accelerator (no inline PTX) the mma is
// emulated through a per-warp shared exchange laid out as the PTX ISA fragments, so the emulator tests check the
// fragment indexing; GpuBackend itself picks this kernel only on CUDA sm_80+ with AllowTf32.
internal static class GpuMatMulTf32Kernels
{
    private const int Stride = GpuMatMulKernels.Tile128 + 8, Warps = 8, ScratchPerWarp = 16 * 8 + 8 * 8;

    public static void Tf32Kernel(GemmArgs g, GpuLayout aBatch, GpuLayout bBatch, GpuLayout cBatch,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<GpuFloat4> a4, ArrayView<GpuFloat4> b4, ArrayView<GpuFloat4> c4)
    {
        const int T = GpuMatMulKernels.Tile128, S = Stride;
        var as4 = SharedMemory.Allocate<GpuFloat4>(2 * Depth * S / 4);
        var bs4 = SharedMemory.Allocate<GpuFloat4>(2 * Depth * S / 4);
        var aS = as4.Cast<float>();
        var bS = bs4.Cast<float>();
        // The emulated mma's exchange area, a 16×8 A and an 8×8 B per warp (never touched on CUDA).
        var scratch = SharedMemory.Allocate<float>(Warps * ScratchPerWarp);
        int tid = Group.IdxX, lane = tid % 32, warp = tid / 32;
        Block(g, Grid.IdxX, T, out int batch, out int rowBase, out int colBase);
        int aBase = aBatch.OffsetOf(batch), bBase = bBatch.OffsetOf(batch);
        bool aK = g.AAlongK != 0, bK = g.BAlongK != 0, aV = g.AVec != 0, bV = g.BVec != 0;
        Slot(tid, T, aK, out int ka, out int xa);
        Slot(tid, T, bK, out int kb, out int xb);
        int gr = lane >> 2, tc = lane & 3;             // fragment row group and thread-in-group
        int wr = warp / 4 * 64, wc = warp % 4 * 32;    // the warp's 64×32 block of C
        GpuGemmAcc m0 = default, m1 = default, m2 = default, m3 = default;   // m-tile i: V{n-tile}{register}

        var fa = Fetch(a, a4, aV, aBase, rowBase + xa, ka, g.M, g.K, g.ARow, g.ACol, aK);
        var fb = Fetch(b, b4, bV, bBase, kb, colBase + xb, g.K, g.N, g.BRow, g.BCol, !bK);
        Put(aS, as4, 0, S, aK, ka, xa, Round(fa));
        Put(bS, bs4, 0, S, bK, kb, xb, Round(fb));
        Group.Barrier();
        int steps = (g.K + Depth - 1) / Depth;
        for (int t = 0; t < steps; t++)
        {
            int cur = (t & 1) * Depth * S, next = Depth * S - cur;
            bool more = t + 1 < steps;
            if (more)
            {
                int k0 = (t + 1) * Depth;
                fa = Fetch(a, a4, aV, aBase, rowBase + xa, k0 + ka, g.M, g.K, g.ARow, g.ACol, aK);
                fb = Fetch(b, b4, bV, bBase, k0 + kb, colBase + xb, g.K, g.N, g.BRow, g.BCol, !bK);
            }
            // B fragments (k = tc and tc + 4, n = gr) of the warp's four n-tiles.
            int lo = cur + tc * S + wc + gr, hi = lo + 4 * S;
            float b00 = bS[lo], b01 = bS[hi], b10 = bS[lo + 8], b11 = bS[hi + 8];
            float b20 = bS[lo + 16], b21 = bS[hi + 16], b30 = bS[lo + 24], b31 = bS[hi + 24];
            int aRow = cur + tc * S + wr + gr;
            MmaRow(ref m0, scratch.SubView(warp * ScratchPerWarp, ScratchPerWarp), aS, aRow, b00, b01, b10, b11, b20, b21, b30, b31);
            MmaRow(ref m1, scratch.SubView(warp * ScratchPerWarp, ScratchPerWarp), aS, aRow + 16, b00, b01, b10, b11, b20, b21, b30, b31);
            MmaRow(ref m2, scratch.SubView(warp * ScratchPerWarp, ScratchPerWarp), aS, aRow + 32, b00, b01, b10, b11, b20, b21, b30, b31);
            MmaRow(ref m3, scratch.SubView(warp * ScratchPerWarp, ScratchPerWarp), aS, aRow + 48, b00, b01, b10, b11, b20, b21, b30, b31);
            if (more)
            {
                Put(aS, as4, next, S, aK, ka, xa, Round(fa));
                Put(bS, bs4, next, S, bK, kb, xb, Round(fb));
            }
            Group.Barrier();
        }
        int cBase = cBatch.OffsetOf(batch), row = rowBase + wr + gr, col = colBase + wc + 2 * tc;
        StoreMTile(g, c, cBase, row, col, m0);
        StoreMTile(g, c, cBase, row + 16, col, m1);
        StoreMTile(g, c, cBase, row + 32, col, m2);
        StoreMTile(g, c, cBase, row + 48, col, m3);
    }

    /// <summary>One m16 row of the warp tile times its four n8 tiles; <paramref name="at"/> indexes A[k = tc, m = gr].</summary>
    private static void MmaRow(ref GpuGemmAcc acc, ArrayView<float> scratch, ArrayView<float> aS, int at,
        float b00, float b01, float b10, float b11, float b20, float b21, float b30, float b31)
    {
        // A fragment: (gr, tc), (gr + 8, tc), (gr, tc + 4), (gr + 8, tc + 4).
        float a0 = aS[at], a1 = aS[at + 8], a2 = aS[at + 4 * Stride], a3 = aS[at + 4 * Stride + 8];
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
        Warp.Barrier();
        for (int k = 0; k < 8; k++)
        {
            float x = scratch[gr * 8 + k], y = scratch[(gr + 8) * 8 + k];
            float p = scratch[128 + k * 8 + 2 * tc], q = scratch[128 + k * 8 + 2 * tc + 1];
            c0 += x * p;
            c1 += x * q;
            c2 += y * p;
            c3 += y * q;
        }
        Warp.Barrier();
    }

    private static void StoreMTile(GemmArgs g, ArrayView<float> c, int cBase, int row, int col, GpuGemmAcc v)
    {
        StoreFragment(g, c, cBase, row, col, v.V00, v.V01, v.V02, v.V03);
        StoreFragment(g, c, cBase, row, col + 8, v.V10, v.V11, v.V12, v.V13);
        StoreFragment(g, c, cBase, row, col + 16, v.V20, v.V21, v.V22, v.V23);
        StoreFragment(g, c, cBase, row, col + 24, v.V30, v.V31, v.V32, v.V33);
    }

    private static void StoreFragment(GemmArgs g, ArrayView<float> c, int cBase, int row, int col, float c0, float c1, float c2, float c3)
    {
        Store(g, c, cBase, row, col, c0);
        Store(g, c, cBase, row, col + 1, c1);
        Store(g, c, cBase, row + 8, col, c2);
        Store(g, c, cBase, row + 8, col + 1, c3);
    }

    private static GpuFloat4 Round(GpuFloat4 f) =>
        new() { X = ToTf32(f.X), Y = ToTf32(f.Y), Z = ToTf32(f.Z), W = ToTf32(f.W) };

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
