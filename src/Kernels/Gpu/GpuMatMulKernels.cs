using ILGPU;

namespace DeepNet.Kernels.Gpu;

/// <summary>Scalar shape and stride arguments of one batched GEMM launch.</summary>
internal struct GemmArgs
{
    public int M, N, K;
    public int ARow, ACol, BRow, BCol, CRow, CCol;   // element strides of each operand's matrix dims
    public int TilesM, TilesN;                       // tile counts; group g = (batch, tileM, tileN)
    public int Accumulate;                           // 1: c += a·b, 0: c = a·b
}

// Batched matmul, tiled. a: [B, M, K], b: [B, K, N], c: [B, M, N], each with any strides
// (transposes are swapped strides, broadcast batches stride 0; the batch offsets come from a
// GpuLayout per operand). Variant Tiled: a Tile×Tile block of C per group of 256 threads,
// K in steps of Depth through shared memory, each thread a 4×4 micro-tile in 16 scalar locals
// fed by two 16-byte shared loads per k
// (ILGPU 1.5.3 neither unrolls loops nor keeps local arrays in registers). Tile loads pick the
// thread→element mapping whose fast index walks the operand's unit stride, so both plain and
// transposed operands load coalesced. Oracle: GpuParityTests (CpuBackend.MatMul).
internal static class GpuMatMulKernels
{
    public const int Tile = 64, Depth = 8, Threads = 256, Micro = 4;

    public static void TiledKernel(GemmArgs g, GpuLayout aBatch, GpuLayout bBatch, GpuLayout cBatch,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        // Stored k-major so a thread's 4 rows (or 4 columns) of one k are adjacent: one 16-byte shared load each.
        var aTile4 = SharedMemory.Allocate<GpuFloat4>(Depth * Tile / 4);
        var bTile4 = SharedMemory.Allocate<GpuFloat4>(Depth * Tile / 4);
        var aTile = aTile4.Cast<float>();   // aTile[k·Tile + m]
        var bTile = bTile4.Cast<float>();   // bTile[k·Tile + n]
        int tid = Group.IdxX, group = Grid.IdxX;
        int tileN = group % g.TilesN, rest = group / g.TilesN;
        int tileM = rest % g.TilesM, batch = rest / g.TilesM;
        int rowBase = tileM * Tile, colBase = tileN * Tile;
        int aBase = aBatch.OffsetOf(batch), bBase = bBatch.OffsetOf(batch);
        int tx = tid % 16, ty = tid / 16;
        bool aKFast = g.ACol == 1, bNFast = g.BCol == 1 || g.BRow != 1;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = 0; k0 < g.K; k0 += Depth)
        {
            for (int l = tid; l < Depth * Tile; l += Threads)
            {
                int m = aKFast ? l / Depth : l % Tile, ka = aKFast ? l % Depth : l / Tile;
                int gm = rowBase + m, gka = k0 + ka;
                aTile[ka * Tile + m] = gm < g.M && gka < g.K ? a[aBase + gm * g.ARow + gka * g.ACol] : 0f;
                int n = bNFast ? l % Tile : l / Depth, kb = bNFast ? l / Tile : l % Depth;
                int gn = colBase + n, gkb = k0 + kb;
                bTile[kb * Tile + n] = gn < g.N && gkb < g.K ? b[bBase + gkb * g.BRow + gn * g.BCol] : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < Depth; kk++)
            {
                var av = aTile4[kk * (Tile / 4) + ty];
                var bv = bTile4[kk * (Tile / 4) + tx];
                float a0 = av.X, a1 = av.Y, a2 = av.Z, a3 = av.W;
                float b0 = bv.X, b1 = bv.Y, b2 = bv.Z, b3 = bv.W;
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }
        int row = rowBase + ty * Micro, col = colBase + tx * Micro, cBase = cBatch.OffsetOf(batch);
        StoreRow(g, c, cBase, row, col, c00, c01, c02, c03);
        StoreRow(g, c, cBase, row + 1, col, c10, c11, c12, c13);
        StoreRow(g, c, cBase, row + 2, col, c20, c21, c22, c23);
        StoreRow(g, c, cBase, row + 3, col, c30, c31, c32, c33);
    }

    private static void StoreRow(GemmArgs g, ArrayView<float> c, int cBase, int row, int col, float v0, float v1, float v2, float v3)
    {
        if (row >= g.M) return;
        int o = cBase + row * g.CRow;
        Store(g, c, o, col, v0);
        Store(g, c, o, col + 1, v1);
        Store(g, c, o, col + 2, v2);
        Store(g, c, o, col + 3, v3);
    }

    private static void Store(GemmArgs g, ArrayView<float> c, int rowOffset, int col, float v)
    {
        if (col >= g.N) return;
        int i = rowOffset + col * g.CCol;
        c[i] = g.Accumulate != 0 ? c[i] + v : v;
    }
}
