using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// The weight (and bias) gradient of a shallow convolution — depth C·R·S of at most MaxDepth, stride 1,
// no padding or dilation: a network's first layer on 1-channel images (MNIST CNN 1→32 3×3, LeNet 1→6 5×5).
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
                db[kk] += Sum(gz, pq);
                for (int c = 0; c < g.C; c++)
                for (int r = 0; r < g.R; r++)
                {
                    float* xr = x + ((long)n * g.C + c) * plane + r * g.W;
                    float* d = dw + ((long)kk * g.C + c) * g.R * g.S + r * g.S;
                    int s = 0;
                    for (; s + 4 <= g.S; s += 4) Rows(gz, xr + s, g.P, g.Q, g.W, 4, d + s);
                    switch (g.S - s)
                    {
                        case 3: Rows(gz, xr + s, g.P, g.Q, g.W, 3, d + s); break;
                        case 2: Rows(gz, xr + s, g.P, g.Q, g.W, 2, d + s); break;
                        case 1: Rows(gz, xr + s, g.P, g.Q, g.W, 1, d + s); break;
                    }
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
