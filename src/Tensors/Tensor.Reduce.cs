using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// Reductions: sum, mean, max, var over dims (all dims when none given), argmax.
public sealed partial class Tensor
{
    /// <summary>Sum over <paramref name="dims"/> (every dim when empty).</summary>
    public Tensor Sum(int[]? dims = null, bool keepDim = false) =>
        ReduceFunction.Apply(ReduceKind.Sum, this, ReducedDims("sum", dims), keepDim);

    /// <summary>Sum over one dim.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean over <paramref name="dims"/> (every dim when empty).</summary>
    public Tensor Mean(int[]? dims = null, bool keepDim = false)
    {
        var reduced = ReducedDims("mean", dims);
        long count = 1;
        foreach (int d in reduced) count *= ShapeArray[d];
        using var sum = Sum(reduced, keepDim);
        return sum.Div(count);
    }

    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Maximum over <paramref name="dims"/>; ties share the gradient.</summary>
    public Tensor Max(int[]? dims = null, bool keepDim = false) =>
        ReduceFunction.Apply(ReduceKind.Max, this, ReducedDims("max", dims), keepDim);

    /// <summary>
    /// torch.max(x, dim): the maximum along <paramref name="dim"/> and the index of its first
    /// occurrence (float32). x: [..., n, ...] → both [..., ...] ([..., 1, ...] with keepDim). The
    /// gradient flows to the selected element only, as in PyTorch; <see cref="Max(int[], bool)"/>
    /// (torch.amax) shares it between ties.
    /// </summary>
    public ValuesAndIndices Max(int dim, bool keepDim = false) => SelectAlong(dim, keepDim, this);

    /// <summary>Minimum over dims, as −max(−x).</summary>
    public Tensor Min(int[]? dims = null, bool keepDim = false) => DisposeScope.Run(() => -(-this).Max(dims, keepDim));

    /// <summary>torch.min(x, dim): as <see cref="Max(int, bool)"/> for the minimum.</summary>
    public ValuesAndIndices Min(int dim, bool keepDim = false)
    {
        using var negated = Neg();
        return SelectAlong(dim, keepDim, negated);
    }

    // Indices of the first extreme of `key` (this, or −this for min); values gathered from this.
    private ValuesAndIndices SelectAlong(int dim, bool keepDim, Tensor key)
    {
        int d = ShapeMath.NormalizeDim("max", dim, Rank);
        var (values, indices) = DisposeScope.Run(() =>
        {
            var index = key.Detach().ArgMax(d, keepDim: true);
            var picked = Gather(d, index);
            return keepDim ? (picked, index) : (picked.Squeeze(d), index.Squeeze(d));
        });
        return new ValuesAndIndices(values, indices!);
    }

    /// <summary>
    /// Variance over dims; <paramref name="unbiased"/> divides by n−1 as torch.var does by default
    /// (correction=1), so one element gives 0/0 = NaN, as torch.
    /// </summary>
    public Tensor Var(int[]? dims = null, bool unbiased = true, bool keepDim = false)
    {
        var reduced = ReducedDims("var", dims);
        long count = reduced.Aggregate(1L, (n, d) => n * ShapeArray[d]);
        return DisposeScope.Run(() =>
            (this - Mean(reduced, keepDim: true)).Pow(2f).Sum(reduced, keepDim).Div(unbiased ? count - 1 : count));
    }

    public Tensor Var(int dim, bool unbiased = true, bool keepDim = false) => Var([dim], unbiased, keepDim);

    /// <summary>Index of the first maximum along a dim, as Int64 (torch.argmax); no gradient.</summary>
    public Tensor ArgMax(int dim, bool keepDim = false)
    {
        ThrowIfDisposed();
        int d = ShapeMath.NormalizeDim("argmax", dim, Rank);
        var keepShape = (int[])ShapeArray.Clone();
        keepShape[d] = 1;
        var result = Empty(keepShape, Device, dtype: DType.Int64);
        Backend.ArgMax(Buffer, Layout, d, result.Buffer, result.Layout);
        if (keepDim) return result;
        using (result) return result.Squeeze(d);
    }

    /// <summary>Sums a broadcast tensor back to <paramref name="shape"/> (the un-broadcast of gradients).</summary>
    public Tensor SumTo(int[] shape)
    {
        int extra = Rank - shape.Length;
        if (extra < 0) throw new ArgumentException($"sum_to: cannot reduce shape {Shape} to larger rank {ShapeMath.Format(shape)}");
        var dims = new List<int>();
        for (int d = 0; d < Rank; d++)
        {
            if (d < extra) dims.Add(d);
            else if (shape[d - extra] == 1 && ShapeArray[d] != 1) dims.Add(d);
            else if (shape[d - extra] != ShapeArray[d])
                throw new ArgumentException($"sum_to: shape {Shape} is not a broadcast of {ShapeMath.Format(shape)}");
        }
        if (dims.Count == 0) return Reshape(shape);
        using var summed = Sum([.. dims], keepDim: true);
        return summed.Reshape(shape);
    }

    // [0, 1, ..., rank − 1] for a full reduction, shared (dims arrays are only read): a loss's Sum() allocates none.
    private static readonly int[][] AllDims = [.. Enumerable.Range(0, 9).Select(AllDimsOf)];

    private static int[] AllDimsOf(int rank)
    {
        var all = new int[rank];
        for (int d = 0; d < rank; d++) all[d] = d;
        return all;
    }

    private int[] ReducedDims(string op, int[]? dims)
    {
        ThrowIfDisposed();
        if (dims is null || dims.Length == 0) return Rank < AllDims.Length ? AllDims[Rank] : AllDimsOf(Rank);
        var normalized = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) normalized[i] = ShapeMath.NormalizeDim(op, dims[i], Rank);
        Array.Sort(normalized);
        int distinct = 0;
        foreach (int d in normalized)
            if (distinct == 0 || normalized[distinct - 1] != d) normalized[distinct++] = d;
        return distinct == normalized.Length ? normalized : normalized[..distinct];
    }
}
