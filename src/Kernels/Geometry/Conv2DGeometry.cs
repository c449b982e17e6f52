namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape math of a 2-d convolution (and of pooling, which reuses Im2Col), written once for
/// both backends and autograd. Input [N, C, H, W], kernel R×S, output [N, K, P, Q].
/// </summary>
public readonly record struct Conv2DGeometry(
    int N, int C, int H, int W, int R, int S,
    int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW)
{
    public int P => (H + 2 * PadH - DilationH * (R - 1) - 1) / StrideH + 1;
    public int Q => (W + 2 * PadW - DilationW * (S - 1) - 1) / StrideW + 1;

    /// <summary>Rows of one image's column matrix: C·R·S.</summary>
    public int ColumnRows => C * R * S;

    /// <summary>Columns of one image's column matrix: P·Q.</summary>
    public int ColumnCols => P * Q;

    /// <summary>Validates the geometry, naming the op and the values at fault.</summary>
    public Conv2DGeometry Validate(string op)
    {
        if (StrideH < 1 || StrideW < 1) throw new ArgumentException($"{op}: stride must be >= 1, got ({StrideH},{StrideW})");
        if (DilationH < 1 || DilationW < 1) throw new ArgumentException($"{op}: dilation must be >= 1, got ({DilationH},{DilationW})");
        if (PadH < 0 || PadW < 0) throw new ArgumentException($"{op}: padding must be >= 0, got ({PadH},{PadW})");
        if (P < 1 || Q < 1)
            throw new ArgumentException($"{op}: input [{N},{C},{H},{W}] is too small for kernel {R}x{S} with stride ({StrideH},{StrideW}), padding ({PadH},{PadW}), dilation ({DilationH},{DilationW})");
        return this;
    }
}
