using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Packing for the implicit-GEMM convolution (CpuConv2D): the GEMM panels are filled straight from
// the image, so no im2col buffer exists. The column matrix X̂[(c,r,s), (n,p,q)] = x[n, c, p·sh − ph + r·dh,
// q·sw − pw + s·dw] (0 outside) is never stored; its columns are walked in runs of one output row
// (n, p, q0..q0+len), along which the input row is read at stride sw.
//   ImageB: columns [j0, j0+cols) of X̂ as one NR-wide B panel, full depth C·R·S: panel[crs·NR + j]
//   ImageA: rows [row0, row0+MR) of X̂ over depth [d0, d0+dc) as one MR-high A panel: panel[d·MR + i]
//   GradB:  dY viewed as [(n,p,q), K] over depth [d0, d0+dc), NR-wide panels: panel[k/NR][d·NR + k%NR]
//   ImageBT / GradA: the same two operands the other way round (X̂ᵀ as B panels, dY rows as A panels),
//     for a weight gradient with few output channels (CpuConv2DWeightGrad picks the less padded one)
//   GradYB: dY as [K, (n,p,q)] B panels of depth K (the input gradient); ScatterAdd: the col2im of one tile
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

    /// <summary>
    /// Packs columns [j0, j0+cols) of X̂ (x: [N, C, H, W] dense, <paramref name="xLength"/> floats readable from x)
    /// into one B panel of NR columns, depth C·R·S (dst: the thread's PackB, with its slack).
    /// </summary>
    /// <remarks>
    /// A run of at most 16 columns that reads inside the input rows at stride 1 is one 16-float copy: its extra
    /// lanes land on the columns the next run (or the next depth row, or the slack) rewrites, since runs and
    /// rows are written in order. That is the MNIST CNN's case (11-wide output rows, so 5–6 runs per 64-column
    /// panel), where the bounds and tails of the general copy cost more than the copy.
    /// </remarks>
    public static void ImageB(float* x, long xLength, in Conv2DGeometry g, long j0, int cols, float* dst)
    {
        int nr = CpuGemm.Nr, plane = g.H * g.W;
        Span<Run> runs = stackalloc Run[nr];
        int count = Runs(g, j0, cols, runs);
        // Per run: the source of depth row (c, r, s) = (0, 0, 0), its first input row, and whether it takes the short copy.
        long* source = stackalloc long[count];
        int* top = stackalloc int[count];
        bool* shortCopy = stackalloc bool[count];
        long lastRow = (long)(g.C - 1) * plane + (long)(g.R - 1) * g.DilationH * g.W + (g.S - 1) * g.DilationW;
        for (int t = 0; t < count; t++)
        {
            var run = runs[t];
            int w0 = run.Q0 * g.StrideW - g.PadW;
            top[t] = run.P * g.StrideH - g.PadH;
            source[t] = (long)run.N * g.C * plane + (long)top[t] * g.W + w0;
            shortCopy[t] = g.StrideW == 1 && run.Length <= 16 && w0 >= 0 && w0 + (g.S - 1) * g.DilationW + run.Length <= g.W
                && source[t] + lastRow + 16 <= xLength;
        }
        float* row = dst;
        for (int c = 0; c < g.C; c++)
        for (int r = 0; r < g.R; r++)
        for (int s = 0; s < g.S; s++, row += nr)
        {
            long depthOffset = (long)c * plane + (long)r * g.DilationH * g.W + s * g.DilationW;
            for (int t = 0; t < count; t++)
            {
                var run = runs[t];
                float* d = row + run.Offset;
                int h = top[t] + r * g.DilationH;
                if ((uint)h >= (uint)g.H)
                {
                    new Span<float>(d, run.Length).Clear();
                    continue;
                }
                if (shortCopy[t])
                {
                    Copy16(x + source[t] + depthOffset, d);
                    continue;
                }
                float* src = x + ((long)run.N * g.C + c) * plane + (long)h * g.W;
                CopyRow(src, run.Q0 * g.StrideW - g.PadW + s * g.DilationW, g.StrideW, g.W, run.Length, d, 1);
            }
            if (cols < nr) new Span<float>(row + cols, nr - cols).Clear();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy16(float* src, float* dst)
    {
        if (Vector512.IsHardwareAccelerated) Vector512.Store(Vector512.Load(src), dst);
        else
        {
            Vector256.Store(Vector256.Load(src), dst);
            Vector256.Store(Vector256.Load(src + 8), dst + 8);
        }
    }

    /// <summary>
    /// Packs rows [row0, row0+MR) of X̂ over the depth columns (of X̂) that <paramref name="runs"/> cover into one
    /// A panel; rows ≥ C·R·S are zero. Where all six rows read inside the image at stride 1, eight columns at a
    /// time are loaded as six vectors and transposed into one 48-float group, and a run shorter than eight as
    /// 4-column groups. xEnd: the end of x's readable floats; dst: in the thread's PackA, panels packed in order
    /// (a short run's group may write a few columns past its panel, which the next one rewrites, or into the slack).
    /// </summary>
    public static void ImageA(float* x, float* xEnd, in Conv2DGeometry g, int row0, ReadOnlySpan<Run> runs, float* dst)
    {
        const int mr = CpuGemm.Mr;
        int plane = g.H * g.W, rs = g.R * g.S, rows = Math.Min(mr, g.ColumnRows - row0);
        int* cOff = stackalloc int[mr], rOff = stackalloc int[mr], sOff = stackalloc int[mr];
        // The six rows' offsets from a run's (c, r, s) = (0, 0, 0) source and their extent, so that whether a run
        // reads inside the image for all six is four comparisons, not a loop.
        long* rowOffset = stackalloc long[mr];
        int rMin = int.MaxValue, rMax = int.MinValue, sMin = int.MaxValue, sMax = int.MinValue;
        long offsetMax = 0;
        for (int i = 0; i < rows; i++)
        {
            int crs = row0 + i;
            cOff[i] = crs / rs * plane;
            rOff[i] = crs / g.S % g.R * g.DilationH;
            sOff[i] = crs % g.S * g.DilationW;
            rowOffset[i] = cOff[i] + (long)rOff[i] * g.W + sOff[i];
            (rMin, rMax) = (Math.Min(rMin, rOff[i]), Math.Max(rMax, rOff[i]));
            (sMin, sMax) = (Math.Min(sMin, sOff[i]), Math.Max(sMax, sOff[i]));
            offsetMax = Math.Max(offsetMax, rowOffset[i]);
        }
        bool vector = Avx.IsSupported && rows == mr && g.StrideW == 1;
        float** src = stackalloc float*[mr];
        int* w0 = stackalloc int[mr];
        float** at = stackalloc float*[mr];
        foreach (var run in runs)
        {
            float* d = dst + run.Offset * mr;
            int h0 = run.P * g.StrideH - g.PadH, wBase = run.Q0 * g.StrideW - g.PadW, len = run.Length;
            if (vector && h0 + rMin >= 0 && h0 + rMax < g.H && wBase + sMin >= 0 && wBase + sMax + len <= g.W)
            {
                // Every row reads columns [0, len) of its run inside the image.
                float* b = x + (long)run.N * g.C * plane + (long)h0 * g.W + wBase;
                for (int i = 0; i < mr; i++) at[i] = b + rowOffset[i];
                if (len >= 8)
                {
                    // The last group ends at the run's end (rewriting some columns with the same values):
                    // the MNIST CNN's 11-wide rows are 8 + 3.
                    for (int e = 0; e < len; e += 8) SixRowGroup(at, Math.Min(e, len - 8), d + Math.Min(e, len - 8) * mr);
                    continue;
                }
                if (b + offsetMax + 4 <= xEnd)
                {
                    // Short runs (the MNIST CNN's third conv reads 3-wide rows) as 4-column groups; below four
                    // columns the group ends past the run, on what is written later.
                    for (int e = 0; e < len; e += 4)
                    {
                        e = len >= 4 ? Math.Min(e, len - 4) : 0;
                        SixRowFour(at, e, d + e * mr);
                    }
                    continue;
                }
            }
            // Near the image's edge (padding), rows past C·R·S, or strides: element by element.
            for (int i = 0; i < rows; i++)
            {
                int h = h0 + rOff[i];
                w0[i] = wBase + sOff[i];
                src[i] = (uint)h >= (uint)g.H ? null : x + (long)run.N * g.C * plane + cOff[i] + (long)h * g.W;
            }
            Columns(src, w0, rows, g, 0, len, d);
        }
    }

    /// <summary>Eight columns from e of the six rows (row i's column 0 at at[i]) as one 6-row panel group at o (48 floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SixRowGroup(float** at, int e, float* o) =>
        CpuTranspose.StoreSixRowPanel(Vector256.Load(at[0] + e), Vector256.Load(at[1] + e), Vector256.Load(at[2] + e),
            Vector256.Load(at[3] + e), Vector256.Load(at[4] + e), Vector256.Load(at[5] + e), o);

    /// <summary>Four columns from e of the six rows (one 4×4 transpose and three pairs) as 24 floats at o.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SixRowFour(float** at, int e, float* o)
    {
        Vector128<float> r0 = Vector128.Load(at[0] + e), r1 = Vector128.Load(at[1] + e), r2 = Vector128.Load(at[2] + e);
        Vector128<float> r3 = Vector128.Load(at[3] + e), r4 = Vector128.Load(at[4] + e), r5 = Vector128.Load(at[5] + e);
        Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1), t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
        Vector128<double> tail01 = Sse.UnpackLow(r4, r5).AsDouble(), tail23 = Sse.UnpackHigh(r4, r5).AsDouble();
        Sse.MoveLowToHigh(t0, t2).Store(o);
        *(double*)(o + 4) = tail01.ToScalar();
        Sse.MoveHighToLow(t2, t0).Store(o + 6);
        *(double*)(o + 10) = tail01.GetElement(1);
        Sse.MoveLowToHigh(t1, t3).Store(o + 12);
        *(double*)(o + 16) = tail23.ToScalar();
        Sse.MoveHighToLow(t3, t1).Store(o + 18);
        *(double*)(o + 22) = tail23.GetElement(1);
    }

    /// <summary>Columns [e0, e1) of one run of an A panel, element by element (0 outside the image and for rows ≥ rows).</summary>
    private static void Columns(float** src, int* w0, int rows, in Conv2DGeometry g, int e0, int e1, float* d)
    {
        const int mr = CpuGemm.Mr;
        for (int e = e0; e < e1; e++)
        {
            float* o = d + e * mr;
            for (int i = 0; i < mr; i++)
            {
                if (i >= rows || src[i] is null)
                {
                    o[i] = 0f;
                    continue;
                }
                int w = w0[i] + e * g.StrideW;
                o[i] = (uint)w < (uint)g.W ? src[i][w] : 0f;
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
            int kk = 0;
            // Eight channels × eight positions per 8×8 transpose: each packed row gets one 8-float store.
            if (Avx.IsSupported)
                for (; kk + 8 <= k; kk += 8)
                {
                    float* src = gy + ((long)n * k + kk) * pq + at;
                    float* d = dst + (long)(kk / nr) * nr * dc + (long)dd * nr + kk % nr;
                    var acc = Vector256<float>.Zero;
                    int e = 0;
                    for (; e + 8 <= len; e += 8)
                    {
                        float* s0 = src + e;
                        Vector256<float> v0 = Vector256.Load(s0), v1 = Vector256.Load(s0 + pq), v2 = Vector256.Load(s0 + 2 * pq),
                            v3 = Vector256.Load(s0 + 3 * pq), v4 = Vector256.Load(s0 + 4 * pq), v5 = Vector256.Load(s0 + 5 * pq),
                            v6 = Vector256.Load(s0 + 6 * pq), v7 = Vector256.Load(s0 + 7 * pq);
                        CpuTranspose.Transpose8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                        float* o = d + (long)e * nr;
                        v0.Store(o);
                        v1.Store(o + nr);
                        v2.Store(o + 2 * nr);
                        v3.Store(o + 3 * nr);
                        v4.Store(o + 4 * nr);
                        v5.Store(o + 5 * nr);
                        v6.Store(o + 6 * nr);
                        v7.Store(o + 7 * nr);
                        acc += ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7));
                    }
                    for (; e < len; e++)
                    {
                        float* o = d + (long)e * nr;
                        for (int t = 0; t < 8; t++) o[t] = src[t * pq + e];
                        acc += Vector256.Load(o);
                    }
                    (Vector256.Load(biasSum + kk) + acc).Store(biasSum + kk);
                }
            for (; kk < k; kk++)
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
    /// Packs X̂ᵀ over the dc depth rows that <paramref name="runs"/> cover, columns (c,r,s) in [0, C·R·S), into
    /// ⌈C·R·S/NR⌉ panels of NR columns: panel[crs/NR][d·NR + crs%NR]; columns ≥ C·R·S are zero.
    /// </summary>
    public static void ImageBT(float* x, in Conv2DGeometry g, int dc, ReadOnlySpan<Run> runs, float* dst)
    {
        int nr = CpuGemm.Nr, crsAll = g.ColumnRows, panels = (crsAll + nr - 1) / nr, plane = g.H * g.W, rs = g.R * g.S;
        if (crsAll < panels * nr)
            for (int d = 0; d < dc; d++) new Span<float>(dst + (long)(panels - 1) * nr * dc + d * nr + crsAll % nr, nr - crsAll % nr).Clear();
        // Eight columns (c,r,s) at a time: eight input rows read along the run, transposed so that each
        // packed row gets one 8-float store (groups never straddle a panel: NR is a multiple of 8).
        int grouped = Avx.IsSupported ? crsAll / 8 * 8 : 0;
        float** src = stackalloc float*[8];
        int* w0 = stackalloc int[8];
        for (int crs0 = 0; crs0 < grouped; crs0 += 8)
        {
            float* panel = dst + (long)(crs0 / nr) * nr * dc + crs0 % nr;
            foreach (var run in runs)
            {
                int h0 = run.P * g.StrideH - g.PadH, wBase = run.Q0 * g.StrideW - g.PadW;
                bool inside = g.StrideW == 1;
                int eLo = 0, eHi = run.Length;
                for (int i = 0; i < 8; i++)
                {
                    int crs = crs0 + i, h = h0 + crs / g.S % g.R * g.DilationH;
                    w0[i] = wBase + crs % g.S * g.DilationW;
                    if ((uint)h >= (uint)g.H)
                    {
                        src[i] = null;
                        inside = false;
                        continue;
                    }
                    src[i] = x + ((long)run.N * g.C + crs / rs) * plane + (long)h * g.W;
                    eLo = Math.Max(eLo, -w0[i]);
                    eHi = Math.Min(eHi, g.W - 8 - w0[i] + 1);
                }
                float* d = panel + (long)run.Offset * nr;
                int e = 0;
                if (inside && eLo < eHi)
                {
                    TransposedColumns(src, w0, g, 0, eLo, d, nr);
                    for (e = eLo; e + 8 <= run.Length && e < eHi; e += 8)
                    {
                        Vector256<float> v0 = Vector256.Load(src[0] + w0[0] + e), v1 = Vector256.Load(src[1] + w0[1] + e),
                            v2 = Vector256.Load(src[2] + w0[2] + e), v3 = Vector256.Load(src[3] + w0[3] + e),
                            v4 = Vector256.Load(src[4] + w0[4] + e), v5 = Vector256.Load(src[5] + w0[5] + e),
                            v6 = Vector256.Load(src[6] + w0[6] + e), v7 = Vector256.Load(src[7] + w0[7] + e);
                        CpuTranspose.Transpose8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                        float* o = d + (long)e * nr;
                        v0.Store(o);
                        v1.Store(o + nr);
                        v2.Store(o + 2 * nr);
                        v3.Store(o + 3 * nr);
                        v4.Store(o + 4 * nr);
                        v5.Store(o + 5 * nr);
                        v6.Store(o + 6 * nr);
                        v7.Store(o + 7 * nr);
                    }
                }
                TransposedColumns(src, w0, g, e, run.Length, d, nr);
            }
        }
        for (int crs = grouped; crs < crsAll; crs++)
        {
            int c = crs / rs, r = crs / g.S % g.R, s = crs % g.S;
            float* column = dst + (long)(crs / nr) * nr * dc + crs % nr;
            foreach (var run in runs)
            {
                float* d = column + (long)run.Offset * nr;
                int h = run.P * g.StrideH - g.PadH + r * g.DilationH;
                if ((uint)h >= (uint)g.H)
                {
                    for (int e = 0; e < run.Length; e++) d[e * nr] = 0f;
                    continue;
                }
                float* src1 = x + ((long)run.N * g.C + c) * plane + (long)h * g.W;
                CopyRow(src1, run.Q0 * g.StrideW - g.PadW + s * g.DilationW, g.StrideW, g.W, run.Length, d, nr);
            }
        }
    }

    /// <summary>Columns [e0, e1) of one run for eight (c,r,s) columns of a B panel, element by element (0 outside the image).</summary>
    private static void TransposedColumns(float** src, int* w0, in Conv2DGeometry g, int e0, int e1, float* d, int nr)
    {
        for (int e = e0; e < e1; e++)
        {
            float* o = d + (long)e * nr;
            for (int i = 0; i < 8; i++)
            {
                int w = w0[i] + e * g.StrideW;
                o[i] = src[i] is not null && (uint)w < (uint)g.W ? src[i][w] : 0f;
            }
        }
    }

    /// <summary>
    /// Packs rows [k0, k0+MR) of dY [N, K, P·Q] dense, seen as [K, (n,pq)], over depth [d0, d0+dc) into one A panel
    /// (rows ≥ K zero), adding every value read into <paramref name="biasSum"/>[k].
    /// </summary>
    public static void GradA(float* gy, int k, int pq, int k0, long d0, int dc, float* dst, float* biasSum)
    {
        const int mr = CpuGemm.Mr;
        for (int i = 0; i < mr; i++)
        {
            int kk = k0 + i;
            if (kk >= k)
            {
                for (int d = 0; d < dc; d++) dst[d * mr + i] = 0f;
                continue;
            }
            float sum = 0f;
            for (int dd = 0; dd < dc;)
            {
                long j = d0 + dd;
                int n = (int)(j / pq), at = (int)(j % pq), len = Math.Min(pq - at, dc - dd);
                float* src = gy + ((long)n * k + kk) * pq + at, d = dst + (long)dd * mr + i;
                for (int e = 0; e < len; e++)
                {
                    float v = src[e];
                    d[e * mr] = v;
                    sum += v;
                }
                dd += len;
            }
            biasSum[kk] += sum;
        }
    }

    /// <summary>Packs columns [j0, j0+cols) of dY [N, K, P·Q] dense, seen as [K, (n,pq)], into one B panel of NR columns, depth K.</summary>
    public static void GradYB(float* gy, int k, int pq, long j0, int cols, float* dst)
    {
        int nr = CpuGemm.Nr;
        for (int jj = 0; jj < cols;)
        {
            long j = j0 + jj;
            int n = (int)(j / pq), at = (int)(j % pq), len = Math.Min(pq - at, cols - jj);
            float* src = gy + (long)n * k * pq + at;
            for (int kk = 0; kk < k; kk++) Copy(src + (long)kk * pq, dst + kk * nr + jj, len);
            jj += len;
        }
        if (cols < nr)
            for (int kk = 0; kk < k; kk++) new Span<float>(dst + kk * nr + cols, nr - cols).Clear();
    }

    /// <summary>
    /// The col2im of one tile: gx[n, c, h, w] += tile[i, j] for rows (c,r,s) = row0 + i (i &lt; rows) and the columns
    /// (n, p, q) of <paramref name="runs"/>, where h = p·sh − ph + r·dh, w = q·sw − pw + s·dw lie inside the image.
    /// gxEnd: the end of the images this thread owns. The tile has 16 readable floats before and after it.
    /// </summary>
    /// <remarks>
    /// The rows of one (c, r) — s, s+1, … — add into one input row at shifts of dw. Where a run and its shifts
    /// fit 16 floats inside the row (stride 1), they are summed into one 16-float read-modify-write: each row's
    /// 16 floats are loaded from its run's start minus its shift and only its run's lanes are added (a blend), so
    /// the other floats, which this thread owns, are written back unchanged.
    /// The MNIST CNN's 3×3 over 11-wide runs was one add per tap, 8 + 3 scalar.
    /// </remarks>
    public static void ScatterAdd(float* tile, int ldt, in Conv2DGeometry g, int row0, int rows, ReadOnlySpan<Run> runs, float* gx, float* gxEnd)
    {
        int plane = g.H * g.W, rs = g.R * g.S;
        for (int i = 0; i < rows;)
        {
            int crs = row0 + i, c = crs / rs, r = crs / g.S % g.R, s = crs % g.S;
            int group = Math.Min(rows - i, g.S - s), reach = (group - 1) * g.DilationW;
            float* src = tile + i * ldt;
            foreach (var run in runs)
            {
                int h = run.P * g.StrideH - g.PadH + r * g.DilationH;
                if ((uint)h >= (uint)g.H) continue;
                int w0 = run.Q0 * g.StrideW - g.PadW + s * g.DilationW;
                float* d = gx + ((long)run.N * g.C + c) * plane + (long)h * g.W + w0;
                float* v = src + run.Offset;
                if (g.StrideW == 1 && w0 >= 0 && w0 + reach + run.Length <= g.W && run.Length + reach <= 16 && d + 16 <= gxEnd)
                {
                    AddShifted16(v, ldt, group, g.DilationW, run.Length, d);
                    continue;
                }
                for (int k = 0; k < group; k++)
                    AddRun(v + k * ldt, w0 + k * g.DilationW, run.Length, g, d + k * g.DilationW);
            }
            i += group;
        }
    }

    /// <summary>d[k·dw + e] += v[k·ldt + e] for k &lt; rows, e &lt; len, as one masked 16-float read-modify-write of d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddShifted16(float* v, int ldt, int rows, int dw, int len, float* d)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var sum = Vector512.Load(d);
            for (int k = 0, shift = 0; k < rows; k++, shift += dw)
            {
                var inRun = Vector512.GreaterThanOrEqual(lane, Vector512.Create(shift)) & Vector512.LessThan(lane, Vector512.Create(shift + len));
                sum = Vector512.ConditionalSelect(inRun.AsSingle(), sum + Vector512.Load(v + k * ldt - shift), sum);
            }
            Vector512.Store(sum, d);
            return;
        }
        var low = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var high = low + Vector256.Create(8);
        Vector256<float> sumLow = Vector256.Load(d), sumHigh = Vector256.Load(d + 8);
        for (int k = 0, shift = 0; k < rows; k++, shift += dw)
        {
            Vector256<int> from = Vector256.Create(shift), to = Vector256.Create(shift + len);
            float* row = v + k * ldt - shift;
            var inLow = (Vector256.GreaterThanOrEqual(low, from) & Vector256.LessThan(low, to)).AsSingle();
            var inHigh = (Vector256.GreaterThanOrEqual(high, from) & Vector256.LessThan(high, to)).AsSingle();
            sumLow = Vector256.ConditionalSelect(inLow, sumLow + Vector256.Load(row), sumLow);
            sumHigh = Vector256.ConditionalSelect(inHigh, sumHigh + Vector256.Load(row + 8), sumHigh);
        }
        Vector256.Store(sumLow, d);
        Vector256.Store(sumHigh, d + 8);
    }

    /// <summary>d[e·sw] += v[e] for the e &lt; len whose input column w0 + e·sw lies inside [0, W) (d: the column w0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRun(float* v, int w0, int len, in Conv2DGeometry g, float* d)
    {
        int lo = w0 >= 0 ? 0 : Math.Min(len, (-w0 + g.StrideW - 1) / g.StrideW);
        int hi = w0 >= g.W ? lo : Math.Max(lo, Math.Min(len, (g.W - 1 - w0) / g.StrideW + 1));
        int e = lo;
        if (g.StrideW == 1)
        {
            for (; e + Vector256<float>.Count <= hi; e += Vector256<float>.Count)
                Vector256.Store(Vector256.Load(d + e) + Vector256.Load(v + e), d + e);
            for (; e < hi; e++) d[e] += v[e];
        }
        else for (; e < hi; e++) d[(long)e * g.StrideW] += v[e];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int len)
    {
        int e = 0;
        for (; e + Vector256<float>.Count <= len; e += Vector256<float>.Count) Vector256.Store(Vector256.Load(src + e), dst + e);
        // A short row's tail as one vector ending at len (its first lanes rewrite the same values).
        if (e < len && len >= Vector256<float>.Count)
        {
            Vector256.Store(Vector256.Load(src + len - Vector256<float>.Count), dst + len - Vector256<float>.Count);
            return;
        }
        for (; e < len; e++) dst[e] = src[e];
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
            // The tail as one vector ending at hi (rewriting some of the same values), when the row holds one.
            if (e < hi && hi - lo >= Vector256<float>.Count)
            {
                int at = hi - Vector256<float>.Count;
                Vector256.Store(Vector256.Load(s + at), dst + at);
                e = hi;
            }
            for (; e < hi; e++) dst[e] = s[e];
        }
        else for (; e < hi; e++) dst[e * step] = s[(long)e * sw];
        for (; e < len; e++) dst[e * step] = 0f;
    }
}
