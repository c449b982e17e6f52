namespace DeepNet.Kernels.Cpu;

// Im2Col and its adjoint Col2Im. x: [N, C, H, W] dense, cols: [N, C·R·S, P·Q] dense.
// Oracle: Conv2DTests (direct convolution loop).
public sealed partial class CpuBackend
{
    public void Im2Col(DeviceBuffer x, Conv2DGeometry g, DeviceBuffer cols, float padValue = 0f)
    {
        float[] xs = Data(x), cs = Data(cols);
        int rows = g.ColumnRows, pq = g.ColumnCols;
        For((long)g.N * rows, (lo, hi) =>
        {
            for (long t = lo; t < hi; t++)
            {
                int n = (int)(t / rows), row = (int)(t % rows);
                int c = row / (g.R * g.S), r = row / g.S % g.R, s = row % g.S;
                int xBase = (n * g.C + c) * g.H * g.W;
                int colBase = (int)t * pq;
                for (int p = 0; p < g.P; p++)
                {
                    int h = p * g.StrideH - g.PadH + r * g.DilationH;
                    int o = colBase + p * g.Q;
                    if (h < 0 || h >= g.H)
                    {
                        cs.AsSpan(o, g.Q).Fill(padValue);
                        continue;
                    }
                    for (int q = 0; q < g.Q; q++)
                    {
                        int w = q * g.StrideW - g.PadW + s * g.DilationW;
                        cs[o + q] = w < 0 || w >= g.W ? padValue : xs[xBase + h * g.W + w];
                    }
                }
            }
        }, pq);
    }

    public void Col2Im(DeviceBuffer cols, Conv2DGeometry g, DeviceBuffer x)
    {
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
                    for (int p = 0; p < g.P; p++)
                    {
                        int h = p * g.StrideH - g.PadH + r * g.DilationH;
                        if (h < 0 || h >= g.H) continue;
                        for (int q = 0; q < g.Q; q++)
                        {
                            int w = q * g.StrideW - g.PadW + s * g.DilationW;
                            if (w >= 0 && w < g.W) xPlane[h * g.W + w] += cs[colBase + p * g.Q + q];
                        }
                    }
                }
            }
        }, (long)g.R * g.S * pq);
    }
}
