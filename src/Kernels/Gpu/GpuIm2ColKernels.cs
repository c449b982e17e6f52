using ILGPU;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

// Im2Col and its adjoint Col2Im. x: [N, C, H, W] dense, cols: [N, C·R·S, P·Q] dense.
// Im2Col: one thread per column entry (a gather, no conflicts). Col2Im: one thread per input
// pixel summing the entries that read it, in the CPU's (r, s) order — no atomics, deterministic.
// Oracle: GpuParityTests (CpuBackend.Im2Col / Col2Im).
internal static class GpuIm2ColKernels
{
    // t: flat index into cols. A pure gather, so one body serves every element type (float, double).
    public static void Im2ColKernel<T>(Index1D t, Conv2DGeometry g, T padValue, ArrayView<T> x, ArrayView<T> cols) where T : unmanaged
    {
        int pq = g.P * g.Q, rows = g.C * g.R * g.S;
        int col = t % pq, rowIndex = t / pq;
        int row = rowIndex % rows, n = rowIndex / rows;
        int c = row / (g.R * g.S), r = row / g.S % g.R, s = row % g.S;
        int p = col / g.Q, q = col % g.Q;
        int h = p * g.StrideH - g.PadH + r * g.DilationH;
        int w = q * g.StrideW - g.PadW + s * g.DilationW;
        cols[t] = h >= 0 && h < g.H && w >= 0 && w < g.W ? x[((n * g.C + c) * g.H + h) * g.W + w] : padValue;
    }

    // t: flat index into x. One body for float and double: TSum adds in the element type.
    public static void Col2ImKernel<T, TSum>(Index1D t, Conv2DGeometry g, ArrayView<T> cols, ArrayView<T> x)
        where T : unmanaged where TSum : struct, IGpuSum<T>
    {
        int w = t % g.W, h = t / g.W % g.H, c = t / (g.W * g.H) % g.C, n = t / (g.W * g.H * g.C);
        int bigP = g.P, bigQ = g.Q, pq = bigP * bigQ, rows = g.C * g.R * g.S;
        T sum = default;
        for (int r = 0; r < g.R; r++)
        {
            int hh = h + g.PadH - r * g.DilationH;
            if (hh < 0 || hh % g.StrideH != 0) continue;
            int p = hh / g.StrideH;
            if (p >= bigP) continue;
            for (int s = 0; s < g.S; s++)
            {
                int ww = w + g.PadW - s * g.DilationW;
                if (ww < 0 || ww % g.StrideW != 0) continue;
                int q = ww / g.StrideW;
                if (q >= bigQ) continue;
                sum = default(TSum).Add(sum, cols[(n * rows + (c * g.R + r) * g.S + s) * pq + p * bigQ + q]);
            }
        }
        x[t] = sum;
    }
}
