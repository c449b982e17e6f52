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

    public static Tensor Apply(Tensor x, ReadOnlySpan<int> dims)
    {
        Span<int> shape = dims.Length <= 16 ? stackalloc int[dims.Length] : new int[dims.Length];
        Span<int> strides = dims.Length <= 16 ? stackalloc int[dims.Length] : new int[dims.Length];
        var inStrides = x.Layout.Strides;
        for (int i = 0; i < dims.Length; i++)
        {
            shape[i] = x.ShapeArray[dims[i]];
            strides[i] = inStrides[dims[i]];
        }
        var y = x.View((ReadOnlySpan<int>)shape, strides, x.Layout.Offset);   // a step's transposes repeat: shared layout arrays
        if (!ShouldRecord(x)) return y;
        var inverse = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) inverse[dims[i]] = i;
        return new PermuteFunction(inverse).Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => Gradient(gradOutput.Permute(_inverse));
}
