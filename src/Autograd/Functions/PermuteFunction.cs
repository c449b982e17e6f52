using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>Permutes dims by permuting strides; the gradient is permuted back.</summary>
internal sealed class PermuteFunction : Function
{
    private readonly int[] _inverse;

    private PermuteFunction(int[] inverse) => _inverse = inverse;

    public static Tensor Apply(Tensor x, int[] dims)
    {
        var shape = dims.Select(d => x.ShapeArray[d]).ToArray();
        var strides = dims.Select(d => x.Layout.Strides[d]).ToArray();
        var y = x.View(shape, strides, x.Layout.Offset);
        if (!ShouldRecord(x)) return y;
        var inverse = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) inverse[dims[i]] = i;
        return new PermuteFunction(inverse).Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => [gradOutput.Permute(_inverse)];
}
