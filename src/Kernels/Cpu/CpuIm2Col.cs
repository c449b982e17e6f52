using System.Numerics.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Im2Col and its adjoint Col2Im. x: [N, C, H, W] dense, cols: [N, C·R·S, P·Q] dense.
// Each output row (p) splits into a padded left edge, an interior read without bounds checks
// (a span copy / vector add at stride 1) and a padded right edge.
// Oracle: Conv2DTests (direct convolution loop) and PoolingTests.
public sealed partial class CpuBackend
{
    public void Im2Col(DeviceBuffer x, Conv2DGeometry g, DeviceBuffer cols, float padValue = 0f)
    {
        if (x.ElementType == ElementType.Float64)
        {
            Im2ColFloat64(Cpu(x), g, Cpu(cols), padValue);
            return;
        }
        float[] xs = Data(x), cs = Data(cols);
        int rows = g.ColumnRows, pq = g.ColumnCols;
        For((long)g.N * rows, (lo, hi) =>
        {
            for (long t = lo; t < hi; t++)
            {
                int n = (int)(t / rows), row = (int)(t % rows);
                int c = row / (g.R * g.S), r = row / g.S % g.R, s = row % g.S;
                int xBase = (n * g.C + c) * g.H * g.W;
                int w0 = s * g.DilationW - g.PadW;
                var (qLo, qHi) = InteriorColumns(g, w0);
                for (int p = 0; p < g.P; p++)
                {
                    int h = p * g.StrideH - g.PadH + r * g.DilationH;
                    var dst = cs.AsSpan((int)t * pq + p * g.Q, g.Q);
                    if (h < 0 || h >= g.H)
                    {
                        dst.Fill(padValue);
                        continue;
                    }
                    dst[..qLo].Fill(padValue);
                    dst[qHi..].Fill(padValue);
                    int src = xBase + h * g.W + w0;
                    if (g.StrideW == 1) xs.AsSpan(src + qLo, qHi - qLo).CopyTo(dst[qLo..qHi]);
                    else for (int q = qLo; q < qHi; q++) dst[q] = xs[src + q * g.StrideW];
                }
            }
        }, pq);
    }

    public void Col2Im(DeviceBuffer cols, Conv2DGeometry g, DeviceBuffer x)
    {
        if (cols.ElementType == ElementType.Float64)
        {
            Col2ImFloat64(Cpu(cols), g, Cpu(x));
            return;
        }
        float[] xs = Data(x), cs = Data(cols);
        int rows = g.ColumnRows, pq = g.ColumnCols;
        // One task per (n, c) plane: all columns that write into it are read by that task alone.
        For((long)g.N * g.C, (lo, hi) =>
        {
            for (long plane = lo; plane < hi; plane++)
            {
                int n = (int)(plane / g.C), c = (int)(plane % g.C);
                var xPlane = xs.AsSpan((int)plane * g.H * g.W, g.H * g.W);
                xPlane.Clear();
                for (int r = 0; r < g.R; r++)
                for (int s = 0; s < g.S; s++)
                {
                    int colBase = (n * rows + (c * g.R + r) * g.S + s) * pq;
                    int w0 = s * g.DilationW - g.PadW;
                    var (qLo, qHi) = InteriorColumns(g, w0);
                    if (qLo >= qHi) continue;
                    for (int p = 0; p < g.P; p++)
                    {
                        int h = p * g.StrideH - g.PadH + r * g.DilationH;
                        if (h < 0 || h >= g.H) continue;
                        var src = cs.AsSpan(colBase + p * g.Q + qLo, qHi - qLo);
                        int dst = h * g.W + w0 + qLo * g.StrideW;
                        if (g.StrideW == 1)
                        {
                            var target = xPlane.Slice(dst, src.Length);
                            TensorPrimitives.Add(target, src, target);
                        }
                        else for (int q = 0; q < src.Length; q++) xPlane[dst + q * g.StrideW] += src[q];
                    }
                }
            }
        }, (long)g.R * g.S * pq);
    }

    /// <summary>Output columns [qLo, qHi) whose input column w0 + q·strideW lies inside [0, W).</summary>
    private static (int Lo, int Hi) InteriorColumns(in Conv2DGeometry g, int w0)
    {
        int sw = g.StrideW;
        int lo = w0 >= 0 ? 0 : (-w0 + sw - 1) / sw;
        int hi = w0 >= g.W ? 0 : Math.Min(g.Q, (g.W - 1 - w0) / sw + 1);
        lo = Math.Min(lo, g.Q);
        return (lo, Math.Max(lo, hi));
    }
}
