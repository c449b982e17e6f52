using DeepNet.Tensors;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// torch.nn.functional.max_pool2d as a primitive (Kernels/Fused/MaxPool2D): the forward records
/// each window's argmax, the backward scatters the output gradient there. Yields the values
/// (recorded) and the flat per-plane indices h·W + w (float32, no graph). tests/DeepNet.Tests/Tensors/MaxPool2DFusedTests
/// asserts equality with the Im2Col → Max composite.
/// </summary>
internal sealed class MaxPool2DFunction : Function
{
    private MaxPool2DGeometry _geometry;
    private Tensor _indices = null!;
    private int[] _inputShape = [];
    private DType _dtype;

    /// <summary>The windows: kernel, stride, padding, dilation and the output size P, Q (ceil mode applied) (ONNX export).</summary>
    internal MaxPool2DGeometry Geometry => _geometry;

    public static (Tensor Values, Tensor Indices) Apply(Tensor x, MaxPool2DGeometry g)
    {
        if (x.DType == DType.Float64)
            throw new ArgumentException("max_pool2d: the fused kernel is Float32; Float64 runs the Im2Col composite (Tensor.MaxPool2D)");
        if (!x.IsContiguous)
        {
            using var dense = x.Contiguous();
            return Apply(dense, g);
        }
        int[] outShape = [x.ShapeArray[0], x.ShapeArray[1], g.P, g.Q];
        var indices = Tensor.Empty(outShape, x.Device);
        Tensor y;
        if (HalfScratch.IsHalf(x.DType))
        {
            // 16-bit: the kernel on float32 scratch; the maxima are 16-bit values, so rounding back is exact.
            using var x32 = HalfScratch.Float32(x);
            y = HalfScratch.Round(Pool(x32, g, outShape, indices), x.DType);
        }
        else y = Pool(x, g, outShape, indices);
        if (!ShouldRecord(x)) return (y, indices);
        var node = new MaxPool2DFunction { _geometry = g, _inputShape = x.ShapeArray, _dtype = x.DType };
        node._indices = node.Save(indices);
        return (node.Record(y, x), indices);
    }

    private static Tensor Pool(Tensor x, MaxPool2DGeometry g, int[] outShape, Tensor indices)
    {
        var y = Tensor.Empty(outShape, x.Device);
        x.Backend.Run(new MaxPool2D(g, x.Buffer, x.Layout.Offset, y.Buffer, indices.Buffer));
        return y;
    }

    // y = x[argmax] ⇒ dx[argmax] += dy, zero elsewhere (16-bit: through float32 scratch)
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        if (!HalfScratch.IsHalf(_dtype)) return [Scatter(gradOutput)];
        using var grad32 = HalfScratch.Float32(gradOutput);
        return [HalfScratch.Round(Scatter(grad32), _dtype)];
    }

    private Tensor Scatter(Tensor gradOutput)
    {
        using var gradY = gradOutput.IsContiguous ? gradOutput.Alias() : gradOutput.Contiguous();
        var gradX = Tensor.Empty(_inputShape, _indices.Device);
        _indices.Backend.Run(new MaxPool2DBackward(_geometry, _indices.Buffer, gradY.Buffer, gradY.Layout.Offset, gradX.Buffer));
        return gradX;
    }
}
