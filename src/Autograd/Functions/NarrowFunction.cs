using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// A strided slice along one dim (start, length, step) as a view; the gradient is written into
/// a zero tensor of the input's shape (a pad by strided copy).
/// </summary>
internal sealed class NarrowFunction : Function
{
    private readonly int[] _inputShape;
    private readonly int _dim, _start, _step;

    private NarrowFunction(int[] inputShape, int dim, int start, int step)
    {
        _inputShape = inputShape;
        _dim = dim;
        _start = start;
        _step = step;
    }

    public static Tensor Apply(Tensor x, int dim, int start, int length, int step)
    {
        var layout = x.Layout;
        var shape = (int[])layout.Shape.Clone();
        var strides = (int[])layout.Strides.Clone();
        shape[dim] = length;
        strides[dim] *= step;
        var y = x.View(shape, strides, layout.Offset + start * layout.Strides[dim]);
        return ShouldRecord(x) ? new NarrowFunction(x.ShapeArray, dim, start, step).Record(y, x) : y;
    }

    /// <summary>The sliced dim, first index and step (the length is the output's), for export.</summary>
    internal (int Dim, int Start, int Step) Window => (_dim, _start, _step);

    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var gradInput = Tensor.Zeros(_inputShape, gradOutput.DType, gradOutput.Device);
        using var window = Apply(gradInput, _dim, _start, gradOutput.ShapeArray[_dim], _step);
        window.CopyFrom(gradOutput);
        return Gradient(gradInput);
    }
}
