namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Where the elements of an n-d array sit in a flat buffer: element (i0, i1, ...) is at
/// <c>Offset + Σ ik·Strides[k]</c>. A stride of 0 repeats the element (broadcast).
/// </summary>
public readonly struct StridedLayout
{
    public StridedLayout(int[] shape, int[] strides, int offset)
    {
        if (shape.Length != strides.Length)
            throw new ArgumentException($"layout: shape rank {shape.Length} and strides rank {strides.Length} differ");
        Shape = shape;
        Strides = strides;
        Offset = offset;
    }

    public int[] Shape { get; }
    public int[] Strides { get; }
    public int Offset { get; }
    public int Rank => Shape.Length;
    public long Size => ShapeMath.Size(Shape);

    /// <summary>Row-major layout of a fresh buffer of this shape.</summary>
    public static StridedLayout Contiguous(int[] shape, int offset = 0) =>
        new(shape, ShapeMath.ContiguousStrides(shape), offset);

    /// <summary>True when the elements are dense and in row-major order.</summary>
    public bool IsContiguous
    {
        get
        {
            int expected = 1;
            for (int d = Rank - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Strides[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>Flat buffer position of the element with row-major linear index <paramref name="linear"/>.</summary>
    public int OffsetOf(long linear)
    {
        long pos = Offset;
        for (int d = Rank - 1; d >= 0; d--)
        {
            int size = Shape[d];
            pos += (linear % size) * Strides[d];
            linear /= size;
        }
        return (int)pos;
    }

    public override string ToString() =>
        $"shape {ShapeMath.Format(Shape)} strides {ShapeMath.Format(Strides)} offset {Offset}";
}
