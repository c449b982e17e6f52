namespace DeepNet.Kernels;

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
        var dims = new List<int>();          // kept dims of the merged shape, innermost last
        var sizes = new List<int>();
        var strides = layouts.Select(_ => new List<int>()).ToArray();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;     // size-1 dims carry no offset
            bool merge = sizes.Count > 0 && layouts.All(l => l.Strides[dims[^1]] == l.Strides[d] * shape[d]);
            if (merge)
            {
                sizes[^1] *= shape[d];
                for (int k = 0; k < layouts.Length; k++) strides[k][^1] = layouts[k].Strides[d];
                dims[^1] = d;
            }
            else
            {
                dims.Add(d);
                sizes.Add(shape[d]);
                for (int k = 0; k < layouts.Length; k++) strides[k].Add(layouts[k].Strides[d]);
            }
        }
        if (sizes.Count == 0)
        {
            sizes.Add(1);
            foreach (var s in strides) s.Add(1);
        }
        int[] merged = [.. sizes];
        var result = new StridedLayout[layouts.Length];
        for (int k = 0; k < layouts.Length; k++) result[k] = new StridedLayout(merged, [.. strides[k]], layouts[k].Offset);
        return (merged, result);
    }
}
