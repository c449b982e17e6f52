using System.Numerics.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// The weight (and bias) gradient of the implicit-GEMM convolution, groups = 1:
//   dWᵀ[(c,r,s), k] = Σ over (n,p,q) of X̂[(c,r,s), (n,p,q)] · dY[n, k, p, q],   db[k] = Σ dY[n, k, ·, ·]
// (or dW = dY·X̂ᵀ, rows from dY, when that pads fewer products: few output channels against NR)
// One GEMM of M = C·R·S, N = K and depth N·P·Q (the batch folded into the contraction, no per-image
// products summed afterwards). A panels come straight from x (CpuConv2DPacking.ImageA), B panels from
// dY (GradB, which also sums db). The depth is cut into KC chunks shared out to a fixed number of
// partial sums (independent of the core count), each a zero-padded [⌈CRS/MR⌉·MR, ⌈K/NR⌉·NR] block,
// so tiles need no edge handling; the partials are added in order: deterministic on every machine.
// Oracle: tests/DeepNet.Tests/Kernels/Cpu/CpuConv2DTests.
internal static unsafe class CpuConv2DWeightGrad
{
    private const int Mr = CpuGemm.Mr;

    /// <summary>At most this many partial sums (and so parallel tasks).</summary>
    private const int MaxParts = 8;

    /// <summary>True when the B panels of one depth chunk (⌈K/NR⌉·NR or ⌈C·R·S/NR⌉·NR × KC) fit the thread's packing buffer.</summary>
    public static bool Fits(int k, int crs) => Pad(k, CpuGemm.Nr) <= CpuGemm.Nc && Pad(crs, CpuGemm.Nr) <= CpuGemm.Nc;

    /// <summary>
    /// gradW = dWᵀ transposed into [K, C·R·S] dense from gw0 (overwritten); gradBias [K] from gb0 (overwritten) when not null.
    /// x: [N, C, H, W] dense from x0, gy: [N, K, P, Q] dense from gy0.
    /// </summary>
    public static void Run(float[] x, int x0, in Conv2DGeometry g, float[] gy, int gy0, int k,
        float[] gradW, int gw0, float[]? gradBias, int gb0)
    {
        int nr = CpuGemm.Nr, crs = g.ColumnRows;
        // C = dWᵀ [C·R·S, K] (rows from x) unless dW [K, C·R·S] (rows from dY) pads fewer multiply-adds:
        // K = 6 against NR = 64 would compute ten times the useful products.
        bool byChannel = Pad(k, Mr) * Pad(crs, nr) < Pad(crs, Mr) * Pad(k, nr);
        int rowsPad = byChannel ? Pad(k, Mr) : Pad(crs, Mr), colsPad = byChannel ? Pad(crs, nr) : Pad(k, nr);
        long depth = (long)g.N * g.P * g.Q;
        int kc = CpuGemm.Kc, chunks = (int)((depth + kc - 1) / kc);
        long work = depth * crs * k;
        int parts = work < (1L << 20) ? 1 : Math.Min(chunks, MaxParts);
        long partSize = (long)rowsPad * colsPad + colsPad;
        var pool = CpuBufferPool.Shared;
        float[] partials = pool.Rent(parts * partSize, zeroed: true, out bool isZero);
        try
        {
            // Only the bias rows accumulate from zero (the first chunk of a part overwrites its block).
            if (!isZero)
                for (int t = 0; t < parts; t++) partials.AsSpan((int)(t * partSize + (long)rowsPad * colsPad), colsPad).Clear();
            fixed (float* px = x, pg = gy, pp = partials)
            {
                var body = new PartTasks(px + x0, px + x.Length, g, pg + gy0, k, byChannel, pp, partSize, rowsPad, colsPad, chunks, parts);
                if (parts == 1) body.Run(0);
                else CpuParallel.For(parts, body);
            }
            // The parts summed into the first in order, whole blocks at a time (the same sums as element by
            // element: on the main thread alone, the strided per-element loop was a few % of the MNIST step).
            var total = partials.AsSpan(0, (int)partSize);
            for (int t = 1; t < parts; t++) TensorPrimitives.Add(total, partials.AsSpan((int)(t * partSize), (int)partSize), total);
            for (int kk = 0; kk < k; kk++)
            for (int row = 0; row < crs; row++)
                gradW[gw0 + kk * crs + row] = total[(int)(byChannel ? (long)kk * colsPad + row : (long)row * colsPad + kk)];
            if (gradBias is not null)
                for (int kk = 0; kk < k; kk++) gradBias[gb0 + kk] = total[rowsPad * colsPad + kk];
        }
        finally { pool.Return(partials); }
    }

    private static int Pad(int size, int multiple) => (size + multiple - 1) / multiple * multiple;

    /// <summary>Partial t: depth chunks [chunks·t/parts, chunks·(t+1)/parts) accumulated into its own block.</summary>
    private readonly struct PartTasks(float* x, float* xEnd, Conv2DGeometry g, float* gy, int k, bool byChannel, float* partials, long partSize,
        int rowsPad, int colsPad, int chunks, int parts) : IParallelBody
    {
        public void Run(int t)
        {
            int nr = CpuGemm.Nr, kc = CpuGemm.Kc, pq = g.P * g.Q;
            long depth = (long)g.N * pq;
            float* c = partials + t * partSize, biasSum = c + (long)rowsPad * colsPad;
            var ws = CpuGemmWorkspace.ForThread();
            float* pa = ws.PackA, pb = ws.PackB;
            Span<CpuConv2DPacking.Run> runs = stackalloc CpuConv2DPacking.Run[kc];
            int first = chunks * t / parts, last = chunks * (t + 1) / parts;
            for (int chunk = first; chunk < last; chunk++)
            {
                long d0 = (long)chunk * kc;
                int dc = (int)Math.Min(kc, depth - d0);
                bool add = chunk > first;
                int count = CpuConv2DPacking.Runs(g, d0, dc, runs);
                if (byChannel) CpuConv2DPacking.ImageBT(x, g, dc, runs[..count], pb);
                else CpuConv2DPacking.GradB(gy, k, pq, d0, dc, pb, biasSum);
                for (int ic = 0; ic < rowsPad; ic += CpuGemm.Mc)
                {
                    int mc = Math.Min(CpuGemm.Mc, rowsPad - ic);
                    for (int ir = 0; ir < mc; ir += Mr)
                        if (byChannel) CpuConv2DPacking.GradA(gy, k, pq, ic + ir, d0, dc, pa + (long)ir * dc, biasSum);
                        else CpuConv2DPacking.ImageA(x, xEnd, g, ic + ir, runs[..count], pa + (long)ir * dc);
                    for (int jr = 0; jr < colsPad; jr += nr)
                    {
                        float* panelB = pb + (long)jr * dc;
                        for (int ir = 0; ir < mc; ir += Mr)
                            CpuGemmMicroKernel.Run(dc, pa + (long)ir * dc, panelB, c + (long)(ic + ir) * colsPad + jr, colsPad, add);
                    }
                }
            }
        }
    }
}
