using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>Concatenation along a dim; each input's gradient is its slice of the output's.</summary>
internal sealed class CatFunction : Function
{
    private readonly int _dim;
    private readonly int[] _sizes;

    private CatFunction(int dim, int[] sizes)
    {
        _dim = dim;
        _sizes = sizes;
    }

    /// <summary>The dim joined along, for export.</summary>
    internal int Dim => _dim;

    public static Tensor Apply(Tensor[] tensors, int dim)
    {
        if (tensors.Length == 0) throw new ArgumentException("cat: expected at least one tensor");
        var first = tensors[0];
        Tensor.CheckSameDevice("cat", first, tensors[1..]);
        if (first.Rank == 0) throw new ArgumentException("cat: zero-dimensional tensors cannot be concatenated; use stack");
        dim = ShapeMath.NormalizeDim("cat", dim, first.Rank);
        foreach (var t in tensors)
            for (int d = 0; d < first.Rank; d++)
                if (t.Rank != first.Rank || (d != dim && t.ShapeArray[d] != first.ShapeArray[d]))
                    throw new ArgumentException($"cat: shapes {first.Shape} and {t.Shape} differ outside dim {dim}");
        // Mixed dtypes promote as torch.cat does; each input is cast (differentiably, for floats) first.
        var dtype = tensors.Skip(1).Aggregate(first.DType, (d, t) => DTypePromotion.Promote(d, t.DType, "cat"));
        if (tensors.Any(t => t.DType != dtype))
            return DisposeScope.Run(() => Apply(tensors.Select(t => t.To(dtype)).ToArray(), dim));
        var shape = (int[])first.ShapeArray.Clone();
        shape[dim] = tensors.Sum(t => t.ShapeArray[dim]);
        var y = Tensor.Empty(shape, first.Device, dtype: dtype);
        int start = 0;
        foreach (var t in tensors)
        {
            var window = y.Layout;
            var windowShape = (int[])shape.Clone();
            windowShape[dim] = t.ShapeArray[dim];
            var target = new StridedLayout(windowShape, window.Strides, start * window.Strides[dim]);
            first.Backend.Copy(t.Buffer, t.Layout, y.Buffer, target);
            start += t.ShapeArray[dim];
        }
        if (!ShouldRecord(tensors)) return y;
        return new CatFunction(dim, tensors.Select(t => t.ShapeArray[dim]).ToArray()).Record(y, tensors);
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var grads = new Tensor?[_sizes.Length];
        int start = 0;
        for (int i = 0; i < _sizes.Length; i++)
        {
            if (Edges[i].IsLive) grads[i] = gradOutput.Narrow(_dim, start, _sizes[i]);
            start += _sizes[i];
        }
        return grads;
    }
}
