namespace DeepNet.Kernels.Geometry;

/// <summary>Pure shape arithmetic shared by the backends and autograd.</summary>
public static class ShapeMath
{
    public static long Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    /// <summary>"[2,3,4]", the form every error message uses.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    /// <summary>NumPy broadcasting of two shapes; throws naming the op and both shapes.</summary>
    public static int[] Broadcast(string op, int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dim {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>
    /// The layout that reads <paramref name="layout"/> as if it had <paramref name="target"/> shape:
    /// leading dims added and size-1 dims stretched with stride 0.
    /// </summary>
    public static StridedLayout BroadcastTo(StridedLayout layout, int[] target)
    {
        if (layout.Shape.AsSpan().SequenceEqual(target)) return layout;   // the common case: nothing to broadcast
        int extra = target.Length - layout.Rank;
        var strides = new int[target.Length];
        for (int i = 0; i < target.Length; i++)
        {
            if (i < extra) continue;
            int size = layout.Shape[i - extra];
            strides[i] = size == 1 && target[i] != 1 ? 0 : layout.Strides[i - extra];
        }
        return new StridedLayout((int[])target.Clone(), strides, layout.Offset);
    }

    /// <summary>Normalizes a possibly negative dim against a rank; throws naming the op.</summary>
    public static int NormalizeDim(string op, int dim, int rank)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.Max(rank, 1))
            throw new ArgumentException($"{op}: dim {dim} is out of range for a tensor of rank {rank}");
        return d;
    }
}
