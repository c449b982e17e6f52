using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// A view that only re-labels dims (reshape of a dense tensor, squeeze, unsqueeze): no copy;
/// the gradient is reshaped back.
/// </summary>
internal sealed class ViewFunction : Function
{
    private readonly int[] _inputShape;

    private ViewFunction(int[] inputShape) => _inputShape = inputShape;

    public static Tensor Apply(Tensor x, int[] shape, int[] strides)
    {
        var y = x.View(shape, strides, x.Layout.Offset);
        return ShouldRecord(x) ? new ViewFunction(x.ShapeArray).Record(y, x) : y;
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => [gradOutput.Reshape(_inputShape)];
}
<<<<<<< HEAD

/// <summary>Permutes dims by permuting strides; the gradient is permuted back.</summary>
internal sealed class PermuteFunction : Function
{
    private readonly int[] _inverse;

    private PermuteFunction(int[] inverse) => _inverse = inverse;

    public static Tensor Apply(Tensor x, int[] dims)
    {
        var shape = new int[dims.Length];
        var strides = new int[dims.Length];
        var inStrides = x.Layout.Strides;
        for (int i = 0; i < dims.Length; i++)
        {
            shape[i] = x.ShapeArray[dims[i]];
            strides[i] = inStrides[dims[i]];
        }
        var y = x.View(shape, strides, x.Layout.Offset);
        if (!ShouldRecord(x)) return y;
        var inverse = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) inverse[dims[i]] = i;
        return new PermuteFunction(inverse).Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => [gradOutput.Permute(_inverse)];
}

/// <summary>Broadcasts size-1 dims with stride 0; Backprop sums the gradient back.</summary>
internal sealed class ExpandFunction : Function
{
    public static Tensor Apply(Tensor x, int[] shape)
    {
        var layout = ShapeMath.BroadcastTo(x.Layout, shape);
        var y = x.View(layout.Shape, layout.Strides, layout.Offset);
        return ShouldRecord(x) ? new ExpandFunction().Record(y, x) : y;
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => [gradOutput.Alias()];
}

/// <summary>A dense copy (Contiguous, Clone); the gradient passes through.</summary>
internal sealed class CopyFunction : Function
{
    public static Tensor Apply(Tensor x)
    {
        var y = Tensor.EmptyLike(x, x.Device);
        x.Backend.Copy(x.Buffer, x.Layout, y.Buffer, y.Layout);
        return ShouldRecord(x) ? new CopyFunction().Record(y, x) : y;
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => [gradOutput.Alias()];
}
=======
>>>>>>> main
