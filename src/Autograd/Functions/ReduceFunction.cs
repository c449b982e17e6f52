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
    private Tensor _x = null!, _yKeep = null!;

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
        if (kind == ReduceKind.Sum && Autocast.Raises(x)) return DisposeScope.Run(() => Apply(kind, x.To(DType.Float32), dims, keepDim));   // torch's autocast: sum in float32
        // Float32 and Float64 reduce in their own kernels; other dtypes route.
        if (x.DType is not (DType.Float32 or DType.Float64))
            return DTypeRouting.Reduce(kind.ToString().ToLowerInvariant(), kind, x, t => Apply(kind, t, dims, keepDim));
        var keepShape = (int[])x.ShapeArray.Clone();
        foreach (int d in dims) keepShape[d] = 1;
        if (kind == ReduceKind.Max && x.Size == 0)
            throw new ArgumentException($"max: cannot reduce an empty tensor of shape {x.Shape}");
        var yKeep = Tensor.Empty(keepShape, x.Device, dtype: x.DType);
        x.Backend.Reduce(kind, x.Buffer, x.Layout, yKeep.Buffer, yKeep.Layout);
        if (!ShouldRecord(x)) return keepDim ? yKeep : Reshaped(yKeep, x.ShapeArray, dims);
        var node = new ReduceFunction(kind, keepShape) { _dims = dims };
        node._x = node.Save(x);
        if (kind == ReduceKind.Max) node._yKeep = node.Save(yKeep);
        var y = keepDim ? yKeep : Reshaped(yKeep, x.ShapeArray, dims);
        return node.Record(y, x);
    }

    private static Tensor Reshaped(Tensor yKeep, int[] inShape, int[] dims)
    {
        var shape = new int[inShape.Length - dims.Length];   // dims are distinct and sorted (ReducedDims)
        for (int d = 0, k = 0; d < inShape.Length; d++)
            if (Array.IndexOf(dims, d) < 0) shape[k++] = yKeep.ShapeArray[d];
        var view = yKeep.View(shape, ShapeMath.ContiguousStrides(shape), 0);
        yKeep.Dispose();
        return view;
    }

    // sum: dx = expand(dy); max: dx = dy · [x == max] / (number of maxima), ties share the gradient
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        using var gKeep = gradOutput.Reshape(_keepShape);
        if (_kind == ReduceKind.Sum) return [gKeep.Expand(_x.ShapeArray)];
        using var mask = _x.Eq(_yKeep);
        var dims = new List<int>(_keepShape.Length);
        for (int d = 0; d < _keepShape.Length; d++)
            if (_keepShape[d] == 1 && _x.ShapeArray[d] != 1) dims.Add(d);
        // Reducing only size-1 dims: every element is its own maximum (and Sum([]) would sum everything).
        if (dims.Count == 0) return [mask.Mul(gKeep)];
        using var count = mask.Sum([.. dims], keepDim: true);
        using var share = gKeep.Div(count);
        return [mask.Mul(share)];
    }
}
