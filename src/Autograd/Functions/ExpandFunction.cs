using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>Broadcasts size-1 dims with stride 0; Backprop sums the gradient back.</summary>
internal sealed class ExpandFunction : Function
{
    public static Tensor Apply(Tensor x, int[] shape)
    {
        var layout = ShapeMath.BroadcastTo(x.Layout, shape);
        var y = x.View(layout.Shape, layout.Strides, layout.Offset);
        return ShouldRecord(x) ? new ExpandFunction().Record(y, x) : y;
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => Gradient(gradOutput.Alias());
}
