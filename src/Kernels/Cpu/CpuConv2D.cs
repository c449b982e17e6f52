using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Float32 convolution as an implicit GEMM (no im2col buffer), groups = 1.
//   Forward: Y[k, (n,p,q)] = W[k, (c,r,s)] · X̂[(c,r,s), (n,p,q)]: the weight is packed once into
//     MR-row A panels over the full depth C·R·S; the columns of all images form one N·P·Q-wide
//     dimension cut into NR-wide B panels packed straight from x (CpuConv2DPacking.ImageB), so a
//     small P·Q (a 3×3 output) still fills whole panels. Tasks are runs of panels. Each MR×NR
//     tile goes through L1 and the epilogue writes act(tile + bias[k]) to y[n, k, p, q].
//   Input gradient: gradCols[(c,r,s), (n,p,q)] = Wᵀ · dY[k, (n,p,q)] with Wᵀ packed once and B panels
//     copied from dY (contiguous runs), each tile scattered into dx from L1 (col2im fused, no columns
//     buffer). Tasks own whole images, so no two write one pixel. (A transposed convolution of dY
//     with the flipped weight costs H·W/(P·Q) more multiply-adds and packs the padded dY: slower.)
// Oracle: tests/DeepNet.Tests/Kernels/Cpu/CpuConv2DTests (the Im2Col → MatMul composite, the naive loop).
internal static unsafe class CpuConv2D
{
    private const int Mr = CpuGemm.Mr;

    /// <summary>Multiply-adds below which a convolution runs on the calling thread.</summary>
    private const long ParallelWork = 1L << 20;

    /// <summary>True when one full-depth B panel (C·R·S × NR) fits the thread's packing buffer.</summary>
    public static bool Fits(in Conv2DGeometry g) => (long)g.ColumnRows * CpuGemm.Nr <= (long)CpuGemm.Kc * CpuGemm.Nc;

    /// <summary>
    /// y = act(conv(x, w) + bias), act ReLU or identity. x: [N, C, H, W] dense from x0, w: [K, C·R·S] dense
    /// from w0, bias: [K] from b0 or null, y: [N, K, P, Q] dense from y0. Requires <see cref="Fits"/>.
    /// </summary>
    public static void Forward(float[] x, int x0, in Conv2DGeometry g, float[] w, int w0, int k,
        float[]? bias, int b0, bool relu, float[] y, int y0)
    {
        int crs = g.ColumnRows, mPanels = (k + Mr - 1) / Mr;
        var pool = CpuBufferPool.Shared;
        float[] packedW = pool.Rent((long)mPanels * Mr * crs, zeroed: false, out _);
        try
        {
            fixed (float* px = x, pw = w, pa = packedW, py = y, pb = bias)
            {
                CpuGemmPacking.PackA(pw + w0, crs, 1, k, crs, pa);
                long columns = (long)g.N * g.P * g.Q;
                int panels = (int)((columns + CpuGemm.Nr - 1) / CpuGemm.Nr);
                long work = columns * crs * k;
                int tasks = work < ParallelWork ? 1 : Math.Min(panels, 4 * Environment.ProcessorCount);
                var body = new ForwardTasks(px + x0, x.Length - x0, g, pa, k, pb is null ? null : pb + b0, relu, py + y0, panels, tasks);
                if (tasks == 1) body.Run(0);
                else CpuParallel.For(tasks, body);
            }
        }
        finally { pool.Return(packedW); }
    }

    /// <summary>
    /// gradX = the adjoint of the convolution in x. gradY: [N, K, P, Q] dense from gy0, w: [K, C·R·S] dense from w0,
    /// gradX: [N, C, H, W] dense from gx0 (overwritten). Requires <see cref="Fits"/> of a depth-K panel (K ≤ KC·NC/NR).
    /// </summary>
    public static void BackwardInput(float[] gy, int gy0, in Conv2DGeometry g, float[] w, int w0, int k, float[] gx, int gx0)
    {
        int crs = g.ColumnRows, mPanels = (crs + Mr - 1) / Mr;
        var pool = CpuBufferPool.Shared;
        float[] packedWt = pool.Rent((long)mPanels * Mr * k, zeroed: false, out _);
        try
        {
            fixed (float* pg = gy, pw = w, pa = packedWt, px = gx)
            {
                // Wᵀ [C·R·S, K]: row crs of the A matrix is column crs of w.
                CpuGemmPacking.PackA(pw + w0, 1, crs, crs, k, pa);
                long work = (long)g.N * g.P * g.Q * crs * k;
                int tasks = work < ParallelWork ? 1 : Math.Min(g.N, 4 * Environment.ProcessorCount);
                var body = new InputGradTasks(pg + gy0, g, pa, k, px + gx0, tasks);
                if (tasks == 1) body.Run(0);
                else CpuParallel.For(tasks, body);
            }
        }
        finally { pool.Return(packedWt); }
    }

    /// <summary>
    /// Task t of an input gradient: images [N·t/tasks, N·(t+1)/tasks), so the pixels it scatters into are its own.
    /// Columns (n, p, q) of gradCols = Wᵀ·gradY go NR at a time; each MR×NR tile is added into gradX (col2im in L1).
    /// </summary>
    private readonly struct InputGradTasks(float* gy, Conv2DGeometry g, float* packedWt, int k, float* gx, int tasks) : IParallelBody
    {
        public void Run(int t)
        {
            int nr = CpuGemm.Nr, crs = g.ColumnRows, pq = g.P * g.Q;
            int n0 = (int)((long)g.N * t / tasks), n1 = (int)((long)g.N * (t + 1) / tasks);
            new Span<float>(gx + (long)n0 * g.C * g.H * g.W, (n1 - n0) * g.C * g.H * g.W).Clear();
            float* pb = CpuGemmWorkspace.ForThread().PackB;
            float* gxEnd = gx + (long)n1 * g.C * g.H * g.W;
            // 16 spare floats before and after the tile: ScatterAdd reads whole vectors around a run.
            float* tileStorage = stackalloc float[Mr * 64 + 32];
            float* tile = tileStorage + 16;
            Span<CpuConv2DPacking.Run> runs = stackalloc CpuConv2DPacking.Run[nr];
            for (long j0 = (long)n0 * pq, end = (long)n1 * pq; j0 < end; j0 += nr)
            {
                int cols = (int)Math.Min(nr, end - j0);
                CpuConv2DPacking.GradYB(gy, k, pq, j0, cols, pb);
                int count = CpuConv2DPacking.Runs(g, j0, cols, runs);
                for (int row0 = 0; row0 < crs; row0 += Mr)
                {
                    CpuGemmMicroKernel.Run(k, packedWt + (long)row0 * k, pb, tile, nr, add: false);
                    CpuConv2DPacking.ScatterAdd(tile, nr, g, row0, Math.Min(Mr, crs - row0), runs[..count], gx, gxEnd);
                }
            }
        }
    }

    /// <summary>Task t of a forward: B panels [panels·t/tasks, panels·(t+1)/tasks), each against every A panel.</summary>
    private readonly struct ForwardTasks(float* x, long xLength, Conv2DGeometry g, float* packedW, int k, float* bias, bool relu,
        float* y, int panels, int tasks) : IParallelBody
    {
        public void Run(int t)
        {
            int nr = CpuGemm.Nr, crs = g.ColumnRows, pq = g.P * g.Q;
            long columns = (long)g.N * pq;
            float* pb = CpuGemmWorkspace.ForThread().PackB;
            float* tile = stackalloc float[Mr * 64];
            for (long panel = (long)panels * t / tasks, end = (long)panels * (t + 1) / tasks; panel < end; panel++)
            {
                long j0 = panel * nr;
                int cols = (int)Math.Min(nr, columns - j0);
                CpuConv2DPacking.ImageB(x, xLength, g, j0, cols, pb);
                for (int k0 = 0; k0 < k; k0 += Mr)
                {
                    CpuGemmMicroKernel.Run(crs, packedW + (long)k0 * crs, pb, tile, nr, add: false);
                    Epilogue(tile, nr, Math.Min(Mr, k - k0), k0, j0, cols, pq, k, bias, relu, y);
                }
            }
        }
    }

    /// <summary>y[n, k0 + i, pq] = act(tile[i, j] + bias[k0 + i]) for the tile's valid rows and columns j0.. (one run per image).</summary>
    private static void Epilogue(float* tile, int ldt, int rows, int k0, long j0, int cols, int pq, int k, float* bias, bool relu, float* y)
    {
        for (int jj = 0; jj < cols;)
        {
            long j = j0 + jj;
            int n = (int)(j / pq), at = (int)(j % pq), len = Math.Min(pq - at, cols - jj);
            for (int i = 0; i < rows; i++)
            {
                float b = bias is null ? 0f : bias[k0 + i];
                Store(tile + i * ldt + jj, y + ((long)n * k + k0 + i) * pq + at, len, b, relu);
            }
            jj += len;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* src, float* dst, int len, float b, bool relu)
    {
        int e = 0;
        var vb = Vector256.Create(b);
        if (relu)
        {
            for (; e + 8 <= len; e += 8) Vector256.Store(Vector256.Max(Vector256.Load(src + e) + vb, Vector256<float>.Zero), dst + e);
            // A short run's tail as one vector ending at len (its first lanes rewrite the same values).
            if (e < len && len >= 8)
            {
                Vector256.Store(Vector256.Max(Vector256.Load(src + len - 8) + vb, Vector256<float>.Zero), dst + len - 8);
                return;
            }
            for (; e < len; e++)
            {
                float v = src[e] + b;
                dst[e] = v > 0f ? v : 0f;
            }
        }
        else
        {
            for (; e + 8 <= len; e += 8) Vector256.Store(Vector256.Load(src + e) + vb, dst + e);
            if (e < len && len >= 8)
            {
                Vector256.Store(Vector256.Load(src + len - 8) + vb, dst + len - 8);
                return;
            }
            for (; e < len; e++) dst[e] = src[e] + b;
        }
    }
}
