using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// The forward and the weight (and bias) gradient of a shallow convolution — depth C·R·S of at most MaxDepth,
// stride 1, no padding or dilation: a network's first layer on 1-channel images (MNIST CNN 1→32 3×3, LeNet 1→6 5×5).
// Forward: per image, eight output channels and eight output columns at a time, one x vector per (c, r, s) (read
// from the image row) times eight broadcast weights; bias and ReLU in registers. As a GEMM the depth of 9 or 25
// barely amortizes packing an NR-wide panel per 64 columns and storing each tile through L1.
//   dW[k, c, r, s] = Σ over n, p, q of dY[n, k, p, q] · x[n, c, p + r, q + s],   db[k] = Σ dY[n, k, ·, ·]
// As a GEMM this is K (6, 32) × C·R·S (9, 25) over a depth of N·P·Q (43,264 for MNIST): tiles padded to
// 6 × 64 waste most of their products and the packing moves 64 floats per depth step, where the
// useful work is 9 or 25 multiply-adds. Directly, each (n, k, c, r) walks the dY plane once in vectors of
// eight along q, and for up to four s at a time one FMA per x vector (loaded straight from the image row,
// which holds q + s for every q < Q); a row's last partial vector is the one ending at Q with the lanes
// already counted masked off. Images are shared out to a fixed number of partial sums (independent of
// the core count), added in order: deterministic on every machine.
// Oracle: tests/DeepNet.Tests/Kernels/Cpu/CpuConv2DShallowTests (the GEMM path and the naive loop).
internal static unsafe class CpuConv2DShallow
{
    /// <summary>The deepest C·R·S taken here; deeper convolutions fill GEMM tiles well.</summary>
    public const int MaxDepth = 32;

    /// <summary>At most this many partial sums (and so parallel tasks).</summary>
    private const int MaxParts = 8;

    private const long ParallelWork = 1L << 20;

    /// <summary>True for a stride-1, unpadded, undilated convolution of depth ≤ <see cref="MaxDepth"/> whose output rows hold a vector.</summary>
    public static bool Fits(in Conv2DGeometry g) =>
        g is { StrideH: 1, StrideW: 1, PadH: 0, PadW: 0, DilationH: 1, DilationW: 1 } && g.ColumnRows <= MaxDepth && g.Q >= 8;

    /// <summary>
    /// gradW [K, C·R·S] dense from gw0 and gradBias [K] from gb0 (when not null), both overwritten.
    /// x: [N, C, H, W] dense from x0, gy: [N, K, P, Q] dense from gy0. Requires <see cref="Fits"/>.
    /// </summary>
    public static void WeightGrad(float[] x, int x0, in Conv2DGeometry g, float[] gy, int gy0, int k,
        float[] gradW, int gw0, float[]? gradBias, int gb0)
    {
        int crs = g.ColumnRows, partSize = k * crs + k;
        long work = (long)g.N * g.P * g.Q * crs * k;
        int parts = work < ParallelWork ? 1 : Math.Min(g.N, MaxParts);
        var pool = CpuBufferPool.Shared;
        float[] partials = pool.Rent((long)parts * partSize, zeroed: true, out bool isZero);
        try
        {
            if (!isZero) partials.AsSpan(0, parts * partSize).Clear();
            fixed (float* px = x, pg = gy, pp = partials)
            {
                var body = new WeightGradTasks(px + x0, g, pg + gy0, k, pp, partSize, parts);
                if (parts == 1) body.Run(0);
                else CpuParallel.For(parts, body);
            }
            for (int e = 0; e < k * crs; e++)
            {
                float sum = 0f;
                for (int t = 0; t < parts; t++) sum += partials[t * partSize + e];
                gradW[gw0 + e] = sum;
            }
            if (gradBias is not null)
                for (int kk = 0; kk < k; kk++)
                {
                    float sum = 0f;
                    for (int t = 0; t < parts; t++) sum += partials[t * partSize + k * crs + kk];
                    gradBias[gb0 + kk] = sum;
                }
        }
        finally { pool.Return(partials); }
    }

    /// <summary>
    /// y = act(conv(x, w) + bias), act ReLU or identity. x: [N, C, H, W] dense from x0, w: [K, C·R·S] dense from w0,
    /// bias: [K] from b0 or null, y: [N, K, P, Q] dense from y0. Requires <see cref="Fits"/>.
    /// </summary>
    public static void Forward(float[] x, int x0, in Conv2DGeometry g, float[] w, int w0, int k,
        float[]? bias, int b0, bool relu, float[] y, int y0)
    {
        long work = (long)g.N * g.P * g.Q * g.ColumnRows * k;
        int tasks = work < ParallelWork ? 1 : Math.Min(g.N, 4 * Environment.ProcessorCount);
        fixed (float* px = x, pw = w, pb = bias, py = y)
        {
            var body = new ForwardTasks(px + x0, g, pw + w0, k, pb is null ? null : pb + b0, relu, py + y0, tasks);
            if (tasks == 1) body.Run(0);
            else CpuParallel.For(tasks, body);
        }
    }

    /// <summary>Task t of a forward: images [N·t/tasks, N·(t+1)/tasks), eight output channels at a time.</summary>
    private readonly struct ForwardTasks(float* x, Conv2DGeometry g, float* w, int k, float* bias, bool relu, float* y, int tasks)
        : IParallelBody
    {
        public void Run(int t)
        {
            for (int n = g.N * t / tasks, end = g.N * (t + 1) / tasks; n < end; n++)
            for (int k0 = 0; k0 < k; k0 += 8)
                switch (Math.Min(8, k - k0))
                {
                    case 8: Channels(x, g, w, k, bias, relu, y, n, k0, 8); break;
                    case 7: Channels(x, g, w, k, bias, relu, y, n, k0, 7); break;
                    case 6: Channels(x, g, w, k, bias, relu, y, n, k0, 6); break;
                    case 5: Channels(x, g, w, k, bias, relu, y, n, k0, 5); break;
                    case 4: Channels(x, g, w, k, bias, relu, y, n, k0, 4); break;
                    case 3: Channels(x, g, w, k, bias, relu, y, n, k0, 3); break;
                    case 2: Channels(x, g, w, k, bias, relu, y, n, k0, 2); break;
                    default: Channels(x, g, w, k, bias, relu, y, n, k0, 1); break;
                }
        }
    }

    /// <summary>
    /// Output channels [k0, k0 + count) of image n (count 1..8, a constant at each call): per eight output columns one
    /// x vector per (c, r, s) feeds count FMAs against broadcast weights. A row's last vector ends at Q (overlapping
    /// the one before it, which it rewrites with the same values).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Channels(float* x, in Conv2DGeometry g, float* w, int k, float* bias, bool relu, float* y, int n, int k0, int count)
    {
        int crs = g.ColumnRows, pq = g.P * g.Q, width = g.W, plane = g.H * g.W, cols = g.Q;
        float* xn = x + (long)n * g.C * plane, wk = w + (long)k0 * crs, yk = y + ((long)n * k + k0) * pq;
        // offset[e] of x[c, r, s] for depth index e = (c·R + r)·S + s
        int* offset = stackalloc int[MaxDepth];
        for (int e = 0; e < crs; e++) offset[e] = e / (g.R * g.S) * plane + e / g.S % g.R * width + e % g.S;
        Vector256<float> b0 = Bias(bias, k0, 0, count), b1 = Bias(bias, k0, 1, count), b2 = Bias(bias, k0, 2, count),
            b3 = Bias(bias, k0, 3, count), b4 = Bias(bias, k0, 4, count), b5 = Bias(bias, k0, 5, count),
            b6 = Bias(bias, k0, 6, count), b7 = Bias(bias, k0, 7, count);
        for (int p = 0; p < g.P; p++)
        for (int q0 = 0; q0 < cols; q0 += 8)
        {
            int q = Math.Min(q0, cols - 8);
            float* xq = xn + p * width + q;
            Vector256<float> a0 = b0, a1 = b1, a2 = b2, a3 = b3, a4 = b4, a5 = b5, a6 = b6, a7 = b7;
            for (int e = 0; e < crs; e++)
            {
                var v = Vector256.Load(xq + offset[e]);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[e]), v, a0);
                if (count > 1) a1 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[crs + e]), v, a1);
                if (count > 2) a2 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[2 * crs + e]), v, a2);
                if (count > 3) a3 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[3 * crs + e]), v, a3);
                if (count > 4) a4 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[4 * crs + e]), v, a4);
                if (count > 5) a5 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[5 * crs + e]), v, a5);
                if (count > 6) a6 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[6 * crs + e]), v, a6);
                if (count > 7) a7 = Vector256.FusedMultiplyAdd(Vector256.Create(wk[7 * crs + e]), v, a7);
            }
            float* o = yk + p * cols + q;
            Store(a0, o, relu);
            if (count > 1) Store(a1, o + pq, relu);
            if (count > 2) Store(a2, o + 2 * pq, relu);
            if (count > 3) Store(a3, o + 3 * pq, relu);
            if (count > 4) Store(a4, o + 4 * pq, relu);
            if (count > 5) Store(a5, o + 5 * pq, relu);
            if (count > 6) Store(a6, o + 6 * pq, relu);
            if (count > 7) Store(a7, o + 7 * pq, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Bias(float* bias, int k0, int i, int count) =>
        bias is null || i >= count ? default : Vector256.Create(bias[k0 + i]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> v, float* dst, bool relu) =>
        (relu ? Vector256.Max(v, Vector256<float>.Zero) : v).Store(dst);

    /// <summary>Partial t: images [N·t/parts, N·(t+1)/parts) added into its own [K, C·R·S] + [K] block.</summary>
    private readonly struct WeightGradTasks(float* x, Conv2DGeometry g, float* gy, int k, float* partials, int partSize, int parts)
        : IParallelBody
    {
        public void Run(int t)
        {
            int pq = g.P * g.Q, plane = g.H * g.W, crs = g.ColumnRows;
            float* dw = partials + (long)t * partSize, db = dw + k * crs;
            for (int n = g.N * t / parts, end = g.N * (t + 1) / parts; n < end; n++)
            for (int kk = 0; kk < k; kk++)
            {
                float* gz = gy + ((long)n * k + kk) * pq;
                bool biasInTaps = g.R >= 3 && g.S == 3;   // the first nine-tap pass also sums the plane
                if (!biasInTaps) db[kk] += Sum(gz, pq);
                for (int c = 0; c < g.C; c++)
                for (int r = 0; r < g.R;)
                {
                    float* xr = x + ((long)n * g.C + c) * plane + r * g.W;
                    float* d = dw + ((long)kk * g.C + c) * g.R * g.S + r * g.S;
                    // A 3×3 kernel's nine taps in one pass over the dY plane (nine independent FMA chains);
                    // otherwise one kernel row's taps, four at a time.
                    if (g.R - r >= 3 && g.S == 3)
                    {
                        Taps3x3(gz, xr, g.P, g.Q, g.W, d, c == 0 && r == 0 ? db + kk : null);
                        r += 3;
                        continue;
                    }
                    int s = 0;
                    for (; s + 4 <= g.S; s += 4) Rows(gz, xr + s, g.P, g.Q, g.W, 4, d + s);
                    switch (g.S - s)
                    {
                        case 3: Rows(gz, xr + s, g.P, g.Q, g.W, 3, d + s); break;
                        case 2: Rows(gz, xr + s, g.P, g.Q, g.W, 2, d + s); break;
                        case 1: Rows(gz, xr + s, g.P, g.Q, g.W, 1, d + s); break;
                    }
                    r++;
                }
            }
        }
    }

    /// <summary>
    /// d[j] += Σ over p &lt; P, q &lt; Q of gz[p·Q + q] · xr[p·W + q + j] for j &lt; count (1..4; a constant at
    /// each call, so the inlined body keeps only its accumulators). Requires Q ≥ 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(float* gz, float* xr, int rows, int q, int width, int count, float* d)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int tail = q % 8, last = q - 8;
        // The last vector ends at Q; its first 8 − tail lanes were counted by the one before.
        var keep = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(8 - tail)).AsSingle();
        for (int p = 0; p < rows; p++)
        {
            float* gp = gz + p * q, xp = xr + p * width;
            int q0 = 0;
            for (; q0 + 8 <= q; q0 += 8)
            {
                var v = Vector256.Load(gp + q0);
                a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + q0), a0);
                if (count > 1) a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + q0 + 1), a1);
                if (count > 2) a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + q0 + 2), a2);
                if (count > 3) a3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + q0 + 3), a3);
            }
            if (tail != 0)
            {
                var v = Vector256.Load(gp + last) & keep;
                a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + last), a0);
                if (count > 1) a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + last + 1), a1);
                if (count > 2) a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + last + 2), a2);
                if (count > 3) a3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(xp + last + 3), a3);
            }
        }
        d[0] += Vector256.Sum(a0);
        if (count > 1) d[1] += Vector256.Sum(a1);
        if (count > 2) d[2] += Vector256.Sum(a2);
        if (count > 3) d[3] += Vector256.Sum(a3);
    }

    /// <summary>
    /// d[r·3 + s] += Σ over p &lt; P, q &lt; Q of gz[p·Q + q] · xr[(p + r)·W + q + s] for r, s &lt; 3: the taps of
    /// <see cref="Rows"/> for three kernel rows at once, one dY load per nine FMAs; adds the plane's sum to
    /// planeSum when not null (the bias gradient, without a pass of its own). Requires Q ≥ 8.
    /// </summary>
    private static void Taps3x3(float* gz, float* xr, int rows, int q, int width, float* d, float* planeSum)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default,
            a20 = default, a21 = default, a22 = default, sum = default;
        int tail = q % 8, last = q - 8;
        var keep = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(8 - tail)).AsSingle();
        for (int p = 0; p < rows; p++)
        {
            float* gp = gz + p * q, x0 = xr + p * width, x1 = x0 + width, x2 = x1 + width;
            for (int q0 = 0; q0 < q; q0 += 8)
            {
                // The last vector ends at Q; its first 8 − tail lanes were counted by the one before.
                int at = q0 + 8 <= q ? q0 : last;
                var v = Vector256.Load(gp + at);
                if (q0 + 8 > q) v &= keep;
                sum += v;
                a00 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x0 + at), a00);
                a01 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x0 + at + 1), a01);
                a02 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x0 + at + 2), a02);
                a10 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x1 + at), a10);
                a11 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x1 + at + 1), a11);
                a12 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x1 + at + 2), a12);
                a20 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x2 + at), a20);
                a21 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x2 + at + 1), a21);
                a22 = Vector256.FusedMultiplyAdd(v, Vector256.Load(x2 + at + 2), a22);
            }
        }
        d[0] += Vector256.Sum(a00); d[1] += Vector256.Sum(a01); d[2] += Vector256.Sum(a02);
        d[3] += Vector256.Sum(a10); d[4] += Vector256.Sum(a11); d[5] += Vector256.Sum(a12);
        d[6] += Vector256.Sum(a20); d[7] += Vector256.Sum(a21); d[8] += Vector256.Sum(a22);
        if (planeSum != null) *planeSum += Vector256.Sum(sum);
    }

    private static float Sum(float* v, int length)
    {
        var acc = Vector256<float>.Zero;
        int e = 0;
        for (; e + 8 <= length; e += 8) acc += Vector256.Load(v + e);
        float sum = Vector256.Sum(acc);
        for (; e < length; e++) sum += v[e];
        return sum;
    }
}
