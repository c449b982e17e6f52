using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

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

    protected internal override Tensor?[] Backward(Tensor gradOutput) => Gradient(gradOutput.Reshape(_inputShape));
}
