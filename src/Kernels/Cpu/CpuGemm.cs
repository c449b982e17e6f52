using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// Packed, cache-blocked SGEMM (the BLIS loop nest). a: [M, K], b: [K, N], c: [M, N] row-major,
// a and b with any strides (absorbed by packing).
//   jc over N in NC columns → pc over K in KC → pack B[pc.., jc..] into NR-wide panels (L3)
//   → ic over M in MC rows → pack A[ic.., pc..] into MR-high panels (L2)
//   → jr over NR, ir over MR → micro-kernel: MR×NR tile of C += A panel · B panel (B panel in L2).
// Edge tiles read zero-padded panels and go through a tile buffer. Above ParallelWork each
// packed B block is shared by the cores, which take MC-row blocks of C (packing their own A).
// Oracle: CpuMatMulTests (naive triple loop in double, sizes 1..70 and awkward fixed sizes).
internal static class CpuGemm
{
    /// <summary>Rows of the micro-tile.</summary>
    public const int Mr = 6;

    /// <summary>Columns of the micro-tile: four AVX-512 or two AVX2 vectors wide.</summary>
    public static readonly int Nr = Vector512.IsHardwareAccelerated ? 64 : 16;

    /// <summary>
    /// Depth of one packed block. 512 (measured against 256 and 384 on Zen 4) halves the passes
    /// over C; the A block (MC×KC) and the B micro-panel (KC×NR) still fit the 1 MiB L2.
    /// </summary>
    public const int Kc = 512;

    /// <summary>Rows of the packed A block (MC×KC, a multiple of MR) kept in L2.</summary>
    public const int Mc = 96;

    /// <summary>Columns of the packed B block (KC×NC, a multiple of NR), shared by the cores from L3.</summary>
    public const int Nc = 2048;

    /// <summary>Multiply-adds below which a product runs on the calling thread.</summary>
    public const long ParallelWork = 1L << 21;

    /// <summary>c = a·b (+ c) for one problem, split across cores when big and allowed.</summary>
    public static unsafe void Run(in GemmProblem p, bool parallel)
    {
        if (p.K == 0)
        {
            if (!p.Accumulate) ClearC(p);
            return;
        }
        if (CpuGemmSkinny.TryRun(p)) return;
        int threads = Environment.ProcessorCount;
        bool split = parallel && threads > 1 && p.Work >= ParallelWork;
        float* packB = CpuGemmWorkspace.ForThread().PackB;
        fixed (float* a = p.A, b = p.B, c = p.C)
        {
            for (int jc = 0; jc < p.N; jc += Nc)
            {
                int nc = Math.Min(Nc, p.N - jc);
                for (int pc = 0; pc < p.K; pc += Kc)
                {
                    int kc = Math.Min(Kc, p.K - pc);
                    CpuGemmPacking.PackB(b + p.BOffset + (long)pc * p.BRowStride + (long)jc * p.BColStride,
                        p.BRowStride, p.BColStride, kc, nc, packB);
                    var step = new GemmStep(a + p.AOffset + (long)pc * p.AColStride, p.ARowStride, p.AColStride,
                        packB, c + p.COffset + jc, p.CRowStride, p.M, nc, kc, p.Accumulate || pc > 0);
                    RunStep(step, split ? threads : 1);
                }
            }
        }
    }

    /// <summary>
    /// One (jc, pc) step: C[:, jc..] (+)= A[:, pc..] · packed B. Tasks are MC-row blocks of C,
    /// each packing its own A block against the shared packed B; when M has too few blocks
    /// to feed the cores, each block is also cut into column groups.
    /// </summary>
    private static unsafe void RunStep(GemmStep s, int threads)
    {
        int rowBlocks = (s.M + Mc - 1) / Mc, panels = (s.Nc + Nr - 1) / Nr;
        int groups = threads == 1 ? 1 : Math.Min(panels, (2 * threads + rowBlocks - 1) / rowBlocks);
        int tasks = rowBlocks * groups;
        // Unsplit (small) products run every row block on the calling thread: RunTask walks
        // them itself, and forking a small GEMM costs more than it computes.
        if (tasks == 1 || threads == 1)
        {
            RunTask(s, 0, s.M, 0, s.Nc);
            return;
        }
        CpuParallel.For(tasks, new StepTasks(s, groups, panels));
    }

    /// <summary>Task t of a step: row block t / groups, column group t % groups.</summary>
    private readonly struct StepTasks(GemmStep s, int groups, int panels) : IParallelBody
    {
        public void Run(int t)
        {
            int ib = t / groups, g = t % groups;
            int j0 = panels * g / groups * Nr, j1 = Math.Min(s.Nc, panels * (g + 1) / groups * Nr);
            RunTask(s, ib * Mc, Math.Min(s.M, (ib + 1) * Mc), j0, j1);
        }
    }

    /// <summary>Packs rows [i0, i1) of the A block and runs the micro-kernel over columns [j0, j1).</summary>
    private static unsafe void RunTask(in GemmStep s, int i0, int i1, int j0, int j1)
    {
        int nr = Nr;
        float* packA = CpuGemmWorkspace.ForThread().PackA;
        float* tile = stackalloc float[Mr * 64];
        for (int ic = i0; ic < i1; ic += Mc)
        {
            int mc = Math.Min(Mc, i1 - ic);
            CpuGemmPacking.PackA(s.A + (long)ic * s.ARowStride, s.ARowStride, s.AColStride, mc, s.Kc, packA);
            for (int jr = j0; jr < j1; jr += nr)
            {
                float* pb = s.PackB + (long)jr * s.Kc;
                int nrEdge = Math.Min(nr, j1 - jr);
                for (int ir = 0; ir < mc; ir += Mr)
                {
                    float* pa = packA + (long)ir * s.Kc;
                    float* cTile = s.C + (long)(ic + ir) * s.Ldc + jr;
                    int mr = Math.Min(Mr, mc - ir);
                    if (mr == Mr && nrEdge == nr) CpuGemmMicroKernel.Run(s.Kc, pa, pb, cTile, s.Ldc, s.Add);
                    else
                    {
                        CpuGemmMicroKernel.Run(s.Kc, pa, pb, tile, nr, add: false);
                        MergeTile(tile, nr, cTile, s.Ldc, mr, nrEdge, s.Add);
                    }
                }
            }
        }
    }

    /// <summary>Operands of one (jc, pc) step: A from column pc, packed B, C from column jc.</summary>
    private readonly unsafe struct GemmStep(
        float* a, int aRowStride, int aColStride, float* packB, float* c, int ldc, int m, int nc, int kc, bool add)
    {
        public readonly float* A = a, PackB = packB, C = c;
        public readonly int ARowStride = aRowStride, AColStride = aColStride, Ldc = ldc, M = m, Nc = nc, Kc = kc;
        public readonly bool Add = add;
    }

    /// <summary>c[i, j] (+)= tile[i, j] for the valid mr×nr corner of an edge tile.</summary>
    private static unsafe void MergeTile(float* tile, int ldt, float* c, int ldc, int mr, int nr, bool add)
    {
        for (int i = 0; i < mr; i++)
        {
            float* src = tile + i * ldt, dst = c + (long)i * ldc;
            if (add) for (int j = 0; j < nr; j++) dst[j] += src[j];
            else for (int j = 0; j < nr; j++) dst[j] = src[j];
        }
    }

    private static void ClearC(in GemmProblem p)
    {
        for (int i = 0; i < p.M; i++) p.C.AsSpan(p.COffset + i * p.CRowStride, p.N).Clear();
    }
}
