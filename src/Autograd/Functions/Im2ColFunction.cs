using DeepNet.Kernels;
using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>x [N, C, H, W] → columns [N, C·R·S, P·Q]; the backward is Col2Im.</summary>
internal sealed class Im2ColFunction : Function
{
    private readonly Conv2DGeometry _geometry;

    private Im2ColFunction(Conv2DGeometry geometry) => _geometry = geometry;

    public static Tensor Apply(Tensor x, Conv2DGeometry geometry, float padValue)
    {
        using var dense = x.IsContiguous ? x.Alias() : x.Contiguous();
        var cols = Tensor.Empty([geometry.N, geometry.ColumnRows, geometry.ColumnCols], x.Device);
        x.Backend.Im2Col(dense.Buffer, geometry, cols.Buffer, padValue);
        if (!ShouldRecord(x)) return cols;
        return new Im2ColFunction(geometry).Record(cols, x);
    }

    // each input pixel's gradient is the sum over the columns that read it
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var g = _geometry;
        using var dense = gradOutput.IsContiguous ? gradOutput.Alias() : gradOutput.Contiguous();
        var gradInput = Tensor.Empty([g.N, g.C, g.H, g.W], gradOutput.Device);
        gradOutput.Backend.Col2Im(dense.Buffer, g, gradInput.Buffer);
        return [gradInput];
    }
}
