using ILGPU;
using ILGPU.Runtime.Cuda;
using static DeepNet.Kernels.Gpu.GpuGemmTile;

namespace DeepNet.Kernels.Gpu;

// Batched GEMM on tensor cores through inline PTX `mma.sync.m16n8k8`, sm_80+: TF32 (10-bit mantissa
// inputs) or BF16 (8-bit, autocast's matmuls), fp32 accumulate. One body for both (TMma: the operand
// rounding and the fragment reads + mma of one k-step): same block (128×128, 256 threads), loaders and
// double-buffered k-major shared tiles as Tile128, operands rounded once as they enter shared memory
// (cvt.rna for TF32, round-to-nearest-even for BF16); rows padded by 8 floats so each fragment read of
// a warp hits 32 distinct banks. Warps 2×4, each 64×32 of C = 4×4 mma tiles. On the CPU accelerator (no
// inline PTX) the mma is emulated through a per-warp shared exchange laid out as the PTX ISA fragments,
// so the emulator tests check the fragment indexing; GpuBackend picks these kernels only on CUDA sm_80+
// (TF32 with AllowTf32, BF16 for BFloat16MatMul). Oracles: GpuParityTests.Gemm, PtxCompileTests.
internal static class GpuMatMulMmaKernels
{
    internal const int Stride = GpuMatMulKernels.Tile128 + 8, Warps = 8, ScratchPerWarp = 16 * 8 + 8 * 8;

    // a: [M, K], b: [K, N], c: [M, N] per batch, any strides (GemmArgs); a4/b4/c4 the same views as 16-byte elements.
    public static void Tf32Kernel(GemmArgs g, GpuLayout aBatch, GpuLayout bBatch, GpuLayout cBatch,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<GpuFloat4> a4, ArrayView<GpuFloat4> b4, ArrayView<GpuFloat4> c4) =>
        Body<GpuTf32Mma>(g, aBatch, bBatch, cBatch, a, b, c, a4, b4);

    /// <summary>The same product with operands rounded to bfloat16 (exact for bf16 data held in float32).</summary>
    public static void Bf16Kernel(GemmArgs g, GpuLayout aBatch, GpuLayout bBatch, GpuLayout cBatch,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<GpuFloat4> a4, ArrayView<GpuFloat4> b4, ArrayView<GpuFloat4> c4) =>
        Body<GpuBf16Mma>(g, aBatch, bBatch, cBatch, a, b, c, a4, b4);

    private static void Body<TMma>(GemmArgs g, GpuLayout aBatch, GpuLayout bBatch, GpuLayout cBatch,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<GpuFloat4> a4, ArrayView<GpuFloat4> b4)
        where TMma : struct, IGpuMma
    {
        var mma = default(TMma);
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
        Put(aS, as4, 0, S, aK, ka, xa, mma.Round(fa));
        Put(bS, bs4, 0, S, bK, kb, xb, mma.Round(fb));
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
            mma.Step(ref m0, ref m1, ref m2, ref m3, scratch.SubView(warp * ScratchPerWarp, ScratchPerWarp), aS, bS, cur, wr, wc, gr, tc);
            if (more)
            {
                Put(aS, as4, next, S, aK, ka, xa, mma.Round(fa));
                Put(bS, bs4, next, S, bK, kb, xb, mma.Round(fb));
            }
            Group.Barrier();
        }
        int cBase = cBatch.OffsetOf(batch), row = rowBase + wr + gr, col = colBase + wc + 2 * tc;
        StoreMTile(g, c, cBase, row, col, m0);
        StoreMTile(g, c, cBase, row + 16, col, m1);
        StoreMTile(g, c, cBase, row + 32, col, m2);
        StoreMTile(g, c, cBase, row + 48, col, m3);
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
}
