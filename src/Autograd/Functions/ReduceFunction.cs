using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>Sum or max over a set of dims (keepdim or not).</summary>
internal sealed class ReduceFunction : Function
{
    private readonly ReduceKind _kind;
    private readonly int[] _keepShape;
    private int[] _dims = [];
    private Tensor _x = null!, _yKeep = null!;   // max only: sum's backward needs nothing but the input's shape
    private int[] _inputShape = [];

    private ReduceFunction(ReduceKind kind, int[] keepShape)
    {
        _kind = kind;
        _keepShape = keepShape;
    }

    public override string Name => _kind + "Backward";

    /// <summary>Sum or max, over which dims, for export (keepdim reads off the output's rank).</summary>
    internal (ReduceKind Kind, int[] Dims) Reduction => (_kind, _dims);

    public static Tensor Apply(ReduceKind kind, Tensor x, int[] dims, bool keepDim)
    {
        x.ThrowIfDisposed();
        if (kind == ReduceKind.Sum && Autocast.Raises(x)) return SumInFloat32(x, dims, keepDim);   // torch's autocast: sum in float32
        // Float32 and Float64 reduce in their own kernels; other dtypes route.
        if (x.DType is not (DType.Float32 or DType.Float64))
            return Routed(kind, x, dims, keepDim);
        if (kind == ReduceKind.Max && x.Size == 0)
            throw new ArgumentException($"max: cannot reduce an empty tensor of shape {x.Shape}");
        // The kernel writes the keepdim layout; without keepdim the output is the same dense buffer under
        // the reduced shape, so it is allocated with that shape at once (no second tensor to view and drop).
        int rank = x.Rank;
        Span<int> keepSpan = rank <= 16 ? stackalloc int[rank] : new int[rank];
        x.ShapeArray.CopyTo(keepSpan);
        foreach (int d in dims) keepSpan[d] = 1;
        var (keepShape, keepStrides) = SharedLayouts.For(keepSpan);
        var keepLayout = new StridedLayout(keepShape, keepStrides, 0);
        Tensor y;
        if (keepDim) y = Tensor.EmptyContiguous(keepShape, x.Device, x.DType);
        else
        {
            Span<int> reduced = rank <= 16 ? stackalloc int[rank - dims.Length] : new int[rank - dims.Length];   // dims are distinct and sorted (ReducedDims)
            for (int d = 0, k = 0; d < rank; d++)
                if (Array.IndexOf(dims, d) < 0) reduced[k++] = x.ShapeArray[d];
            y = Tensor.EmptyContiguous(reduced, x.Device, x.DType);
        }
        x.Backend.Reduce(kind, x.Buffer, x.Layout, y.Buffer, keepLayout);
        if (!ShouldRecord(x)) return y;
        var node = new ReduceFunction(kind, keepShape) { _dims = dims, _inputShape = x.ShapeArray };
        if (kind == ReduceKind.Max)
        {
            node._x = node.Save(x);
            if (keepDim) node._yKeep = node.Save(y);
            else
            {
                using var yKeep = y.View(keepShape, keepStrides, 0);
                node._yKeep = node.Save(yKeep);
            }
        }
        return node.Record(y, x);
    }

    // In its own method: a lambda capturing Apply's parameters would allocate its closure on every call, taken or not.
    private static Tensor SumInFloat32(Tensor x, int[] dims, bool keepDim) => DisposeScope.Run(() => Apply(ReduceKind.Sum, x.To(DType.Float32), dims, keepDim));

    private static Tensor Routed(ReduceKind kind, Tensor x, int[] dims, bool keepDim) =>
        DTypeRouting.Reduce(kind.ToString().ToLowerInvariant(), kind, x, t => Apply(kind, t, dims, keepDim));

    // sum: dx = expand(dy); max: dx = dy · [x == max] / (number of maxima), ties share the gradient
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        using var gKeep = gradOutput.Reshape(_keepShape);
        if (_kind == ReduceKind.Sum) return Gradient(gKeep.Expand(_inputShape));
        using var mask = _x.Eq(_yKeep);
        var dims = new List<int>(_keepShape.Length);
        for (int d = 0; d < _keepShape.Length; d++)
            if (_keepShape[d] == 1 && _x.ShapeArray[d] != 1) dims.Add(d);
        // Reducing only size-1 dims: every element is its own maximum (and Sum([]) would sum everything).
        if (dims.Count == 0) return Gradient(mask.Mul(gKeep));
        using var count = mask.Sum([.. dims], keepDim: true);
        using var share = gKeep.Div(count);
        return Gradient(mask.Mul(share));
    }
}
