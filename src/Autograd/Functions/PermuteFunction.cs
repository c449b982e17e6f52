using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>Permutes dims by permuting strides; the gradient is permuted back.</summary>
internal sealed class PermuteFunction : Function
{
    private readonly int[] _inverse;

    private PermuteFunction(int[] inverse) => _inverse = inverse;

    /// <summary>Output dim i is input dim Dims[i] (the forward permutation), for export.</summary>
    internal int[] Dims
    {
        get
        {
            var dims = new int[_inverse.Length];
            for (int i = 0; i < dims.Length; i++) dims[_inverse[i]] = i;
            return dims;
        }
    }

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
