using ILGPU;
using static DeepNet.Kernels.Gpu.GpuGemmTile;

namespace DeepNet.Kernels.Gpu;

/// <summary>Scalar shape, stride and load-mode arguments of one batched GEMM launch.</summary>
internal struct GemmArgs
{
    public int M, N, K;
    public int ARow, ACol, BRow, BCol, CRow, CCol;   // element strides of each operand's matrix dims
    public int TilesM, TilesN;                       // tile counts; group g = (batch, tileM, tileN)
    public int Accumulate;                           // 1: c += a·b, 0: c = a·b
    public int AAlongK, BAlongK;                     // 1: a thread's four tile values run along k
    public int AVec, BVec, CVec;                     // 1: 16-byte global loads (stores for C)
}

// Batched SIMT SGEMM. a: [B, M, K], b: [B, K, N], c: [B, M, N], each with any strides
// (transposes are swapped strides, broadcast batches stride 0; the batch offsets come from a
// GpuLayout per operand). siboehm's ladder in ILGPU terms: a block tile of C per group,
// K in steps of Depth through double-buffered k-major shared tiles (next tile's global loads are
// issued before the current tile's FMAs, one barrier a step), 16-byte global and shared loads,
// warp tiling (a warp owns a contiguous sub-block of C; each thread 2 or 4 4×4 sub-tiles spaced
// so a quarter-warp's shared reads hit distinct banks), accumulators as scalar fields
// (GpuGemmAcc: ILGPU 1.5.3 neither unrolls loops nor keeps local arrays in registers).
// Oracle: GpuParityTests (CpuBackend.MatMul).
internal static class GpuMatMulKernels
{
    /// <summary>Tile128: 128×128 of C per group of 256 threads, 8×8 per thread, warps 2×4 of 64×32.</summary>
    public const int Tile128 = 128, Threads128 = 256;

    /// <summary>Tile64 (skinny or small products): 64×64 per group of 128 threads, 8×4 per thread, warps 2×2 of 32×32.</summary>
    public const int Tile64 = 64, Threads64 = 128;

    public static void Tile128Kernel(GemmArgs g, GpuLayout aBatch, GpuLayout bBatch, GpuLayout cBatch,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<GpuFloat4> a4, ArrayView<GpuFloat4> b4, ArrayView<GpuFloat4> c4)
    {
        const int T = Tile128, S = Tile128;
        var as4 = SharedMemory.Allocate<GpuFloat4>(2 * Depth * S / 4);
        var bs4 = SharedMemory.Allocate<GpuFloat4>(2 * Depth * S / 4);
        var aS = as4.Cast<float>();
        var bS = bs4.Cast<float>();
        int tid = Group.IdxX, lane = tid % 32, warp = tid / 32;
        Block(g, Grid.IdxX, T, out int batch, out int rowBase, out int colBase);
        int aBase = aBatch.OffsetOf(batch), bBase = bBatch.OffsetOf(batch);
        bool aK = g.AAlongK != 0, bK = g.BAlongK != 0, aV = g.AVec != 0, bV = g.BVec != 0;
        Slot(tid, T, aK, out int ka, out int xa);
        Slot(tid, T, bK, out int kb, out int xb);
        // This thread's sub-tiles: rows ra and ra + 32, columns cb and cb + 16 (each 4 wide).
        int ra = warp / 4 * 64 + lane / 4 * 4, cb = warp % 4 * 32 + lane % 4 * 4;
        GpuGemmAcc c00 = default, c01 = default, c10 = default, c11 = default;

        var fa = Fetch(a, a4, aV, aBase, rowBase + xa, ka, g.M, g.K, g.ARow, g.ACol, aK);
        var fb = Fetch(b, b4, bV, bBase, kb, colBase + xb, g.K, g.N, g.BRow, g.BCol, !bK);
        Put(aS, as4, 0, S, aK, ka, xa, fa);
        Put(bS, bs4, 0, S, bK, kb, xb, fb);
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
            for (int kk = 0; kk < Depth; kk++)
            {
                int o = (cur + kk * S) / 4;
                var a0 = as4[o + ra / 4];
                var a1 = as4[o + ra / 4 + 8];
                var b0 = bs4[o + cb / 4];
                var b1 = bs4[o + cb / 4 + 4];
                c00.Fma(a0, b0);
                c01.Fma(a0, b1);
                c10.Fma(a1, b0);
                c11.Fma(a1, b1);
            }
            if (more)
            {
                Put(aS, as4, next, S, aK, ka, xa, fa);
                Put(bS, bs4, next, S, bK, kb, xb, fb);
            }
            Group.Barrier();
        }
        int cBase = cBatch.OffsetOf(batch), row = rowBase + ra, col = colBase + cb;
        StoreTile(g, c, c4, cBase, row, col, c00);
        StoreTile(g, c, c4, cBase, row, col + 16, c01);
        StoreTile(g, c, c4, cBase, row + 32, col, c10);
        StoreTile(g, c, c4, cBase, row + 32, col + 16, c11);
    }

    public static void Tile64Kernel(GemmArgs g, GpuLayout aBatch, GpuLayout bBatch, GpuLayout cBatch,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<GpuFloat4> a4, ArrayView<GpuFloat4> b4, ArrayView<GpuFloat4> c4)
    {
        const int T = Tile64, S = Tile64;
        var as4 = SharedMemory.Allocate<GpuFloat4>(2 * Depth * S / 4);
        var bs4 = SharedMemory.Allocate<GpuFloat4>(2 * Depth * S / 4);
        var aS = as4.Cast<float>();
        var bS = bs4.Cast<float>();
        int tid = Group.IdxX, lane = tid % 32, warp = tid / 32;
        Block(g, Grid.IdxX, T, out int batch, out int rowBase, out int colBase);
        int aBase = aBatch.OffsetOf(batch), bBase = bBatch.OffsetOf(batch);
        bool aK = g.AAlongK != 0, bK = g.BAlongK != 0, aV = g.AVec != 0, bV = g.BVec != 0;
        Slot(tid, T, aK, out int ka, out int xa);
        Slot(tid, T, bK, out int kb, out int xb);
        // This thread's sub-tiles: rows ra and ra + 16, columns cb (4 wide).
        int ra = warp / 2 * 32 + lane / 8 * 4, cb = warp % 2 * 32 + lane % 8 * 4;
        GpuGemmAcc c00 = default, c10 = default;

        var fa = Fetch(a, a4, aV, aBase, rowBase + xa, ka, g.M, g.K, g.ARow, g.ACol, aK);
        var fb = Fetch(b, b4, bV, bBase, kb, colBase + xb, g.K, g.N, g.BRow, g.BCol, !bK);
        Put(aS, as4, 0, S, aK, ka, xa, fa);
        Put(bS, bs4, 0, S, bK, kb, xb, fb);
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
            for (int kk = 0; kk < Depth; kk++)
            {
                int o = (cur + kk * S) / 4;
                var a0 = as4[o + ra / 4];
                var a1 = as4[o + ra / 4 + 4];
                var b0 = bs4[o + cb / 4];
                c00.Fma(a0, b0);
                c10.Fma(a1, b0);
            }
            if (more)
            {
                Put(aS, as4, next, S, aK, ka, xa, fa);
                Put(bS, bs4, next, S, bK, kb, xb, fb);
            }
            Group.Barrier();
        }
        int cBase = cBatch.OffsetOf(batch), row = rowBase + ra, col = colBase + cb;
        StoreTile(g, c, c4, cBase, row, col, c00);
        StoreTile(g, c, c4, cBase, row + 16, col, c10);
    }
}
