using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// Packed, cache-blocked SGEMM (the BLIS loop nest). a: [M, K], b: [K, N], c: [M, N] row-major,
// a and b with any strides (absorbed by packing).
//   jc over N in NC columns → pc over K in KC → pack B[pc.., jc..] into NR-wide panels (L2/L3)
//   → ic over M in MC rows → pack A[ic.., pc..] into MR-high panels (L2)
//   → jr over NR, ir over MR → micro-kernel: MR×NR tile of C += A panel · B panel (B panel in L1).
// Edge tiles read zero-padded panels and go through a tile buffer. Above ParallelWork the range
// of the longer of M and N is cut into chunks that run as independent GEMMs on the cores.
// Oracle: CpuMatMulTests (naive triple loop in double, sizes 1..70 and awkward fixed sizes).
internal static class CpuGemm
{
    /// <summary>Rows of the micro-tile.</summary>
    public const int Mr = 6;

    /// <summary>Columns of the micro-tile: two vectors wide.</summary>
    public static readonly int Nr = Vector512.IsHardwareAccelerated ? 32 : 16;

    /// <summary>Depth of one packed block: the B micro-panel (KC×NR) is sized for L1.</summary>
    public const int Kc = 256;

    /// <summary>Rows of the packed A block (MC×KC, a multiple of MR) kept in L2.</summary>
    public const int Mc = 144;

    /// <summary>Columns of the packed B block (KC×NC, a multiple of NR).</summary>
    public const int Nc = 1024;

    /// <summary>Multiply-adds below which a product runs on the calling thread.</summary>
    public const long ParallelWork = 1L << 21;

    /// <summary>c = a·b (+ c) for one problem, split across cores when big and allowed.</summary>
    public static void Run(in GemmProblem p, bool parallel)
    {
        if (p.K == 0)
        {
            if (!p.Accumulate) ClearC(p);
            return;
        }
        if (CpuGemmSkinny.TryRun(p)) return;
        int threads = Environment.ProcessorCount;
        if (!parallel || threads == 1 || p.Work < ParallelWork)
        {
            RunRange(p, 0, p.M, 0, p.N);
            return;
        }
        // More chunks than cores so a core slowed by other work is balanced by the pool;
        // each chunk repacks only the operand it shares, a 1/chunk-size overhead.
        bool splitN = p.N >= p.M;
        int extent = splitN ? p.N : p.M, unit = splitN ? Nr : Mr;
        int units = (extent + unit - 1) / unit;
        int chunks = Math.Min(units, threads * 2);
        var problem = p;
        Parallel.For(0, chunks, t =>
        {
            int lo = (int)((long)units * t / chunks) * unit, hi = Math.Min(extent, (int)((long)units * (t + 1) / chunks) * unit);
            if (splitN) RunRange(problem, 0, problem.M, lo, hi);
            else RunRange(problem, lo, hi, 0, problem.N);
        });
    }

    /// <summary>The blocked loop nest over rows [m0, m1) and columns [n0, n1) of c.</summary>
    public static unsafe void RunRange(in GemmProblem p, int m0, int m1, int n0, int n1)
    {
        int nr = Nr;
        var ws = CpuGemmWorkspace.ForThread();
        float* packA = ws.PackA, packB = ws.PackB;
        float* tile = stackalloc float[Mr * 32];
        fixed (float* a0 = p.A, b0 = p.B, c0 = p.C)
        {
            float* a = a0 + p.AOffset, b = b0 + p.BOffset, c = c0 + p.COffset;
            int ldc = p.CRowStride;
            for (int jc = n0; jc < n1; jc += Nc)
            {
                int nc = Math.Min(Nc, n1 - jc);
                for (int pc = 0; pc < p.K; pc += Kc)
                {
                    int kc = Math.Min(Kc, p.K - pc);
                    bool add = p.Accumulate || pc > 0;
                    CpuGemmPacking.PackB(b + (long)pc * p.BRowStride + (long)jc * p.BColStride, p.BRowStride, p.BColStride, kc, nc, packB);
                    for (int ic = m0; ic < m1; ic += Mc)
                    {
                        int mc = Math.Min(Mc, m1 - ic);
                        CpuGemmPacking.PackA(a + (long)ic * p.ARowStride + (long)pc * p.AColStride, p.ARowStride, p.AColStride, mc, kc, packA);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            float* pb = packB + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += Mr)
                            {
                                float* pa = packA + (long)ir * kc;
                                float* pcTile = c + (long)(ic + ir) * ldc + jc + jr;
                                int mr = Math.Min(Mr, mc - ir), nrEdge = Math.Min(nr, nc - jr);
                                if (mr == Mr && nrEdge == nr) CpuGemmMicroKernel.Run(kc, pa, pb, pcTile, ldc, add);
                                else
                                {
                                    CpuGemmMicroKernel.Run(kc, pa, pb, tile, nr, add: false);
                                    MergeTile(tile, nr, pcTile, ldc, mr, nrEdge, add);
                                }
                            }
                        }
                    }
                }
            }
        }
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
