namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape math of the fused softmax / log-softmax along one dim: x is viewed as [Outer, Dim, Inner]
/// (row-major, contiguous), each (outer, inner) pair one row of Dim elements strided by Inner.
/// The last dim gives Inner = 1 (the fast path: unit-stride rows). Used by both backends and autograd.
/// </summary>
public readonly record struct SoftmaxShape(int Outer, int Dim, int Inner)
{
    public long Size => (long)Outer * Dim * Inner;

    /// <summary>Rows = Outer·Inner.</summary>
    public long Rows => (long)Outer * Inner;

    /// <summary>The geometry of softmax along <paramref name="dim"/> of a tensor of this shape; throws naming the op for a bad dim.</summary>
    public static SoftmaxShape From(string op, int[] shape, int dim)
    {
        if (shape.Length == 0)
        {
            ShapeMath.NormalizeDim(op, dim, 1);   // a scalar is one row of one element (dim 0 or −1), as torch
            return new SoftmaxShape(1, 1, 1);
        }
        int d = ShapeMath.NormalizeDim(op, dim, shape.Length);
        long outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.Length; i++) inner *= shape[i];
        return new SoftmaxShape((int)outer, shape[d], (int)inner);
    }
}
