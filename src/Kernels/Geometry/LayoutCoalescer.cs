namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Merges adjacent dims that every layout walks as one (stride[d] == stride[d+1]·shape[d+1]),
/// so a contiguous tensor becomes 1-d and kernels run their tight inner loop as long as possible.
/// </summary>
public static class LayoutCoalescer
{
    /// <summary>Returns the merged shape and, per input layout, its merged strides and offset.</summary>
    public static (int[] Shape, StridedLayout[] Layouts) Coalesce(params StridedLayout[] layouts)
    {
        int[] shape = layouts[0].Shape;
        int count = layouts.Length;
        Span<int> sizes = stackalloc int[Math.Max(shape.Length, 1)];
        var strides = new int[count * Math.Max(shape.Length, 1)];   // strides[k * rank + dim]
        int rank = 0, last = -1;                                     // last: source dim of the innermost kept dim
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;                             // size-1 dims carry no offset
            bool merge = rank > 0;
            for (int k = 0; k < count && merge; k++)
                merge = layouts[k].Strides[last] == layouts[k].Strides[d] * shape[d];
            if (merge) sizes[rank - 1] *= shape[d];
            else sizes[rank++] = shape[d];
            for (int k = 0; k < count; k++) strides[k * shape.Length + rank - 1] = layouts[k].Strides[d];
            last = d;
        }
        if (rank == 0)
        {
            sizes[0] = 1;
            rank = 1;
            for (int k = 0; k < count; k++) strides[k * Math.Max(shape.Length, 1)] = 1;
        }
        int[] merged = sizes[..rank].ToArray();
        var result = new StridedLayout[count];
        int width = Math.Max(shape.Length, 1);
        for (int k = 0; k < count; k++)
            result[k] = new StridedLayout(merged, strides.AsSpan(k * width, rank).ToArray(), layouts[k].Offset);
        return (merged, result);
    }
}
