using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// Views and data movement: reshape, permute, narrow, squeeze, expand, cat, stack, gather.
public sealed partial class Tensor
{
    /// <summary>Same elements, new shape (one dim may be -1). A view when dense, else a copy.</summary>
    public Tensor Reshape(params int[] shape) => Reshape((ReadOnlySpan<int>)shape);

    /// <summary>Reshape of a shape built on the stack (<c>Reshape([n, k])</c> inside the library): the view takes shared layout arrays.</summary>
    internal Tensor Reshape(ReadOnlySpan<int> shape)
    {
        ThrowIfDisposed();
        Span<int> resolved = shape.Length <= 16 ? stackalloc int[shape.Length] : new int[shape.Length];
        ResolveShape(shape, resolved);
        var (shared, strides) = SharedLayouts.For(resolved);   // a dense view: the shared arrays of its shape
        if (!IsContiguous)
        {
            using var dense = Clone();
            return dense.Reshape(shared);
        }
        return ViewFunction.Apply(this, shared, strides);
    }

    /// <summary>Same as <see cref="Reshape(int[])"/>, PyTorch's name.</summary>
    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>Collapses dims start..end (inclusive) into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeMath.NormalizeDim("flatten", startDim, Rank), e = ShapeMath.NormalizeDim("flatten", endDim, Rank);
        int merged = 1;
        for (int d = s; d <= e; d++) merged *= ShapeArray[d];
        Span<int> shape = Rank <= 16 ? stackalloc int[Rank - (e - s)] : new int[Rank - (e - s)];
        ShapeArray.AsSpan(0, s).CopyTo(shape);
        shape[s] = merged;
        ShapeArray.AsSpan(e + 1).CopyTo(shape[(s + 1)..]);
        return Reshape((ReadOnlySpan<int>)shape);
    }

    /// <summary>Reorders dims: result dim i is input dim dims[i].</summary>
    public Tensor Permute(params int[] dims)
    {
        ThrowIfDisposed();
        if (dims.Length != Rank)
            throw new ArgumentException($"permute: {dims.Length} dims given for a tensor of shape {Shape}");
        Span<int> normalized = Rank <= 16 ? stackalloc int[Rank] : new int[Rank];
        Span<bool> seen = Rank <= 16 ? stackalloc bool[Rank] : new bool[Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            int d = normalized[i] = ShapeMath.NormalizeDim("permute", dims[i], Rank);
            if (seen[d]) throw new ArgumentException($"permute: dims [{string.Join(",", dims)}] are not a permutation of {Rank} dims");
            seen[d] = true;
        }
        return PermuteFunction.Apply(this, normalized);
    }

    /// <summary>Swaps two dims (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = ShapeMath.NormalizeDim("transpose", dim0, Rank), b = ShapeMath.NormalizeDim("transpose", dim1, Rank);
        Span<int> dims = Rank <= 16 ? stackalloc int[Rank] : new int[Rank];
        for (int d = 0; d < dims.Length; d++) dims[d] = d;
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return PermuteFunction.Apply(this, dims);
    }

    /// <summary>The transpose of a 2-d tensor.</summary>
    public Tensor T => Rank == 2 ? Transpose(0, 1) : throw new InvalidOperationException($"T: expects a 2-d tensor, got shape {Shape}");

    /// <summary>Elements start..start+length-1 along a dim (a view).</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = ShapeMath.NormalizeDim("narrow", dim, Rank);
        if (start < 0 || length < 0 || start + length > ShapeArray[d])
            throw new ArgumentException($"narrow: start {start} + length {length} is out of range for dim {d} of shape {Shape}");
        return NarrowFunction.Apply(this, d, start, length, 1);
    }

    /// <summary>Python-style slice [start:end:step] along a dim (a view); negative bounds count from the end.</summary>
    public Tensor Slice(int dim, int start, int end, int step = 1)
    {
        int d = ShapeMath.NormalizeDim("slice", dim, Rank), size = ShapeArray[d];
        if (step < 1) throw new ArgumentException($"slice: step must be >= 1, got {step}");
        int s = Math.Clamp(start < 0 ? start + size : start, 0, size);
        int e = Math.Clamp(end < 0 ? end + size : end, s, size);
        return NarrowFunction.Apply(this, d, s, (e - s + step - 1) / step, step);
    }

    /// <summary>Index <paramref name="index"/> of a dim, removing that dim (a view).</summary>
    public Tensor Select(int dim, int index)
    {
        int d = ShapeMath.NormalizeDim("select", dim, Rank);
        int i = index < 0 ? index + ShapeArray[d] : index;
        using var narrowed = Narrow(d, i, 1);
        return narrowed.Squeeze(d);
    }

    /// <summary>Removes a size-1 dim, or every size-1 dim when <paramref name="dim"/> is null.</summary>
    public Tensor Squeeze(int? dim = null)
    {
        int target = dim is int dd ? ShapeMath.NormalizeDim("squeeze", dd, Rank) : -1;
        int kept = 0;
        for (int d = 0; d < Rank; d++)
            if (!(ShapeArray[d] == 1 && (dim is null || d == target))) kept++;
        var shape = new int[kept];
        var strides = new int[kept];
        for (int d = 0, k = 0; d < Rank; d++)
        {
            if (ShapeArray[d] == 1 && (dim is null || d == target)) continue;
            shape[k] = ShapeArray[d];
            strides[k++] = _strides[d];
        }
        return ViewFunction.Apply(this, shape, strides);
    }

    /// <summary>Inserts a size-1 dim at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeMath.NormalizeDim("unsqueeze", dim, Rank + 1);
        var shape = ShapeArray.ToList();
        var strides = Layout.Strides.ToList();
        shape.Insert(d, 1);
        strides.Insert(d, d < Rank ? Layout.Strides[d] * ShapeArray[d] : 1);
        return ViewFunction.Apply(this, [.. shape], [.. strides]);
    }

    /// <summary>Broadcasts size-1 dims (and new leading dims) to <paramref name="shape"/> without copying; -1 keeps a size.</summary>
    public Tensor Expand(params int[] shape)
    {
        ThrowIfDisposed();
        var target = (int[])shape.Clone();
        int extra = target.Length - Rank;
        if (extra < 0)
            throw new ArgumentException($"expand: shape {Shape} cannot be expanded to fewer dims {ShapeMath.Format(shape)}");
        for (int i = 0; i < target.Length; i++)
        {
            int own = i < extra ? 1 : ShapeArray[i - extra];
            if (target[i] == -1) target[i] = own;
            if (own != 1 && own != target[i])
                throw new ArgumentException($"expand: shape {Shape} cannot be expanded to {ShapeMath.Format(shape)}");
        }
        return ExpandFunction.Apply(this, target);
    }

    /// <summary>Joins tensors along an existing dim.</summary>
    public static Tensor Cat(IEnumerable<Tensor> tensors, int dim = 0) => CatFunction.Apply(tensors.ToArray(), dim);

    /// <summary>Joins tensors of one shape along a new dim.</summary>
    public static Tensor Stack(IEnumerable<Tensor> tensors, int dim = 0)
    {
        var list = tensors.ToArray();
        if (list.Length == 0) throw new ArgumentException("stack: expected at least one tensor");
        foreach (var t in list)
            if (t.Shape != list[0].Shape) throw new ArgumentException($"stack: shapes {list[0].Shape} and {t.Shape} differ");
        var expanded = list.Select(t => t.Unsqueeze(dim)).ToArray();
        try { return Cat(expanded, dim); }
        finally { foreach (var t in expanded) t.Dispose(); }
    }

    /// <summary>torch.gather: out[i][j] = this[i][index[i][j]] along <paramref name="dim"/>.</summary>
    public Tensor Gather(int dim, Tensor index) => GatherFunction.Apply(this, ShapeMath.NormalizeDim("gather", dim, Rank), index);

    /// <summary>The entries of <paramref name="index"/> (1-d) along a dim.</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        int d = ShapeMath.NormalizeDim("index_select", dim, Rank);
        if (index.Rank != 1) throw new ArgumentException($"index_select: index must be 1-d, got shape {index.Shape}");
        var viewShape = Enumerable.Repeat(1, Rank).ToArray();
        viewShape[d] = index.ShapeArray[0];
        var outShape = (int[])ShapeArray.Clone();
        outShape[d] = index.ShapeArray[0];
        using var column = index.Reshape(viewShape);
        using var expanded = column.Expand(outShape);
        return Gather(d, expanded);
    }

    /// <summary>Writes <paramref name="shape"/> with its −1 inferred into <paramref name="resolved"/>; throws unless it holds this tensor's elements.</summary>
    private void ResolveShape(ReadOnlySpan<int> shape, Span<int> resolved)
    {
        shape.CopyTo(resolved);
        int infer = resolved.IndexOf(-1);
        long known = 1;
        for (int i = 0; i < resolved.Length; i++) if (i != infer) known *= resolved[i];
        if (infer >= 0 && known != 0 && Size % known == 0) resolved[infer] = (int)(Size / known);
        if (ShapeMath.Size(resolved) != Size || resolved.IndexOfAnyInRange(int.MinValue, -1) >= 0)
            throw new ArgumentException($"reshape: shape {ShapeMath.Format(shape)} is invalid for a tensor of shape {Shape} ({Size} elements)");
    }
}
