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
        // The kernel reads the buffer from element 0: a dense view with an offset needs a copy too.
        using var dense = x.IsContiguous && x.Layout.Offset == 0 ? x.Alias() : x.Clone();
        var cols = Tensor.Empty([geometry.N, geometry.ColumnRows, geometry.ColumnCols], x.Device, dtype: DTypeRouting.KernelDType(x));
        x.Backend.Im2Col(dense.Buffer, geometry, cols.Buffer, padValue);
        if (!ShouldRecord(x)) return cols;
        return new Im2ColFunction(geometry, padValue).Record(cols, x);
    }

    // each input pixel's gradient is the sum over the columns that read it
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var g = _geometry;
        using var dense = gradOutput.IsContiguous && gradOutput.Layout.Offset == 0 ? gradOutput.Alias() : gradOutput.Clone();
        var gradInput = Tensor.Empty([g.N, g.C, g.H, g.W], gradOutput.Device, dtype: DTypeRouting.KernelDType(gradOutput));
        gradOutput.Backend.Col2Im(dense.Buffer, g, gradInput.Buffer);
        return [gradInput];
    }
}
