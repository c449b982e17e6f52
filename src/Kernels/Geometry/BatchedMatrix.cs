namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Views a [..., R, C] layout as a batch of matrices: the batch count, and for batch index b the
/// offset of its first element and the row/column strides. Used by every MatMul kernel.
/// </summary>
public readonly struct BatchedMatrix
{
    private readonly StridedLayout _batch;

    public BatchedMatrix(StridedLayout layout)
    {
        if (layout.Rank < 2) throw new ArgumentException($"matmul: operand must have rank >= 2, got {ShapeMath.Format(layout.Shape)}");
        Rows = layout.Shape[^2];
        Cols = layout.Shape[^1];
        RowStride = layout.Strides[^2];
        ColStride = layout.Strides[^1];
        _batch = new StridedLayout(layout.Shape[..^2], layout.Strides[..^2], layout.Offset);
        Count = (int)_batch.Size;
    }

    public int Count { get; }
    public int Rows { get; }
    public int Cols { get; }
    public int RowStride { get; }
    public int ColStride { get; }

    /// <summary>Flat offset of element [0, 0] of matrix <paramref name="b"/> (row-major batch index).</summary>
    public int OffsetOf(int b) => _batch.OffsetOf(b);
}
