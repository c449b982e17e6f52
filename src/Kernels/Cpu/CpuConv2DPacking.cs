using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Packing for the implicit-GEMM convolution (CpuConv2D): the GEMM panels are filled straight from
// the image, so no im2col buffer exists. The column matrix X̂[(c,r,s), (n,p,q)] = x[n, c, p·sh − ph + r·dh,
// q·sw − pw + s·dw] (0 outside) is never stored; its columns are walked in runs of one output row
// (n, p, q0..q0+len), along which the input row is read at stride sw.
//   ImageB: columns [j0, j0+cols) of X̂ as one NR-wide B panel, full depth C·R·S: panel[crs·NR + j]
//   ImageA: rows [row0, row0+MR) of X̂ over depth [d0, d0+dc) as one MR-high A panel: panel[d·MR + i]
//   GradB:  dY viewed as [(n,p,q), K] over depth [d0, d0+dc), NR-wide panels: panel[k/NR][d·NR + k%NR]
// Rows or columns past the matrix are zero. Oracle: CpuConv2DTests (against the Im2Col → MatMul composite).
internal static unsafe class CpuConv2DPacking
{
    /// <summary>A run of consecutive columns of X̂ inside one output row: panel offset, length, n, p, q0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Runs(in Conv2DGeometry g, long j0, int cols, Span<Run> runs)
    {
        int pq = g.P * g.Q, count = 0;
        for (int jj = 0; jj < cols;)
        {
            long j = j0 + jj;
            int n = (int)(j / pq), rem = (int)(j % pq), p = rem / g.Q, q = rem % g.Q;
            int len = Math.Min(g.Q - q, cols - jj);
            runs[count++] = new Run(jj, len, n, p, q);
            jj += len;
        }
        return count;
    }

    /// <summary>One output-row run of columns: offset in the panel, length, image, output row, first output column.</summary>
    public readonly record struct Run(int Offset, int Length, int N, int P, int Q0);

    /// <summary>Packs columns [j0, j0+cols) of X̂ (x: [N, C, H, W] dense) into one B panel of NR columns, depth C·R·S.</summary>
    public static void ImageB(float* x, in Conv2DGeometry g, long j0, int cols, float* dst)
    {
        int nr = CpuGemm.Nr;
        Span<Run> runs = stackalloc Run[nr];
        int count = Runs(g, j0, cols, runs);
        int plane = g.H * g.W;
        float* row = dst;
        for (int c = 0; c < g.C; c++)
        for (int r = 0; r < g.R; r++)
        for (int s = 0; s < g.S; s++, row += nr)
        {
            for (int t = 0; t < count; t++)
            {
                var run = runs[t];
                float* d = row + run.Offset;
                int h = run.P * g.StrideH - g.PadH + r * g.DilationH;
                if ((uint)h >= (uint)g.H)
                {
                    new Span<float>(d, run.Length).Clear();
                    continue;
                }
                float* src = x + ((long)run.N * g.C + c) * plane + (long)h * g.W;
                CopyRow(src, run.Q0 * g.StrideW - g.PadW + s * g.DilationW, g.StrideW, g.W, run.Length, d, 1);
            }
            if (cols < nr) new Span<float>(row + cols, nr - cols).Clear();
        }
    }

    /// <summary>
    /// Packs rows [row0, row0+MR) of X̂ over the dc depth columns (of X̂) that <paramref name="runs"/> cover into one
    /// A panel; rows ≥ C·R·S are zero.
    /// </summary>
    public static void ImageA(float* x, in Conv2DGeometry g, int row0, int dc, ReadOnlySpan<Run> runs, float* dst)
    {
        const int mr = CpuGemm.Mr;
        int plane = g.H * g.W, rs = g.R * g.S;
        for (int i = 0; i < mr; i++)
        {
            int crs = row0 + i;
            if (crs >= g.ColumnRows)
            {
                for (int d = 0; d < dc; d++) dst[d * mr + i] = 0f;
                continue;
            }
            int c = crs / rs, r = crs / g.S % g.R, s = crs % g.S;
            foreach (var run in runs)
            {
                float* d = dst + run.Offset * mr + i;
                int h = run.P * g.StrideH - g.PadH + r * g.DilationH;
                if ((uint)h >= (uint)g.H)
                {
                    for (int e = 0; e < run.Length; e++) d[e * mr] = 0f;
                    continue;
                }
                float* src = x + ((long)run.N * g.C + c) * plane + (long)h * g.W;
                CopyRow(src, run.Q0 * g.StrideW - g.PadW + s * g.DilationW, g.StrideW, g.W, run.Length, d, mr);
            }
        }
    }

    /// <summary>
    /// Packs dY [N, K, P·Q] dense, seen as [(n,pq), K], over depth [d0, d0+dc) into ⌈K/NR⌉ panels of NR
    /// columns (columns ≥ K zero), adding every value read into <paramref name="biasSum"/>[k].
    /// </summary>
    public static void GradB(float* gy, int k, int pq, long d0, int dc, float* dst, float* biasSum)
    {
        int nr = CpuGemm.Nr, panels = (k + nr - 1) / nr;
        if (k < panels * nr)
            for (int d = 0; d < dc; d++) new Span<float>(dst + (long)(panels - 1) * nr * dc + d * nr + k % nr, nr - k % nr).Clear();
        for (int dd = 0; dd < dc;)
        {
            long j = d0 + dd;
            int n = (int)(j / pq), at = (int)(j % pq), len = Math.Min(pq - at, dc - dd);
            for (int kk = 0; kk < k; kk++)
            {
                float* src = gy + ((long)n * k + kk) * pq + at;
                float* d = dst + (long)(kk / nr) * nr * dc + (long)dd * nr + kk % nr;
                float sum = 0f;
                for (int e = 0; e < len; e++)
                {
                    float v = src[e];
                    d[e * nr] = v;
                    sum += v;
                }
                biasSum[kk] += sum;
            }
            dd += len;
        }
    }

    /// <summary>
    /// dst[e·step] = src[w0 + e·sw] for e in [0, len), 0 where the input column w0 + e·sw is outside [0, width).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* src, int w0, int sw, int width, int len, float* dst, int step)
    {
        int lo = w0 >= 0 ? 0 : Math.Min(len, (-w0 + sw - 1) / sw);
        int hi = w0 >= width ? lo : Math.Max(lo, Math.Min(len, (width - 1 - w0) / sw + 1));
        int e = 0;
        for (; e < lo; e++) dst[e * step] = 0f;
        float* s = src + w0;
        if (sw == 1 && step == 1)
        {
            for (; e + Vector256<float>.Count <= hi; e += Vector256<float>.Count) Vector256.Store(Vector256.Load(s + e), dst + e);
            for (; e < hi; e++) dst[e] = s[e];
        }
        else for (; e < hi; e++) dst[e * step] = s[(long)e * sw];
        for (; e < len; e++) dst[e * step] = 0f;
    }
}
