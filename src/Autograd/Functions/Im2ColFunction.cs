using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>x [N, C, H, W] → columns [N, C·R·S, P·Q]; the backward is Col2Im.</summary>
internal sealed class Im2ColFunction : Function
{
    private readonly Conv2DGeometry _geometry;
    private readonly float _padValue;

    private Im2ColFunction(Conv2DGeometry geometry, float padValue)
    {
        _geometry = geometry;
        _padValue = padValue;
    }

    /// <summary>The window geometry and what the padding reads, for export.</summary>
    internal (Conv2DGeometry Geometry, float PadValue) Windows => (_geometry, _padValue);

    public static Tensor Apply(Tensor x, Conv2DGeometry geometry, float padValue)
    {
        var cols = HalfScratch.IsHalf(x.DType)
            ? HalfScratch.Round(Columns(HalfScratch.Float32(x), geometry, padValue, dispose: true), x.DType)
            : Columns(x, geometry, padValue, dispose: false);
        if (!ShouldRecord(x)) return cols;
        return new Im2ColFunction(geometry, padValue).Record(cols, x);
    }

    private static Tensor Columns(Tensor x, Conv2DGeometry geometry, float padValue, bool dispose)
    {
        // The kernel reads the buffer from element 0: a dense view with an offset needs a copy too.
        using var dense = x.IsContiguous && x.Layout.Offset == 0 ? x.Alias() : x.Clone();
        if (dispose) x.Dispose();
        var cols = Tensor.Empty([geometry.N, geometry.ColumnRows, geometry.ColumnCols], dense.Device, dtype: DTypeRouting.KernelDType(dense));
        dense.Backend.Im2Col(dense.Buffer, geometry, cols.Buffer, padValue);
        return cols;
    }

    // each input pixel's gradient is the sum over the columns that read it (16-bit: through float32 scratch)
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        if (!HalfScratch.IsHalf(gradOutput.DType)) return Gradient(Pixels(gradOutput));
        using var grad32 = HalfScratch.Float32(gradOutput);
        return [HalfScratch.Round(Pixels(grad32), gradOutput.DType)];
    }

    private Tensor Pixels(Tensor gradOutput)
    {
        var g = _geometry;
        using var dense = gradOutput.IsContiguous && gradOutput.Layout.Offset == 0 ? gradOutput.Alias() : gradOutput.Clone();
        var gradInput = Tensor.Empty([g.N, g.C, g.H, g.W], gradOutput.Device, dtype: DTypeRouting.KernelDType(gradOutput));
        gradOutput.Backend.Col2Im(dense.Buffer, g, gradInput.Buffer);
        return gradInput;
    }
}
