using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

// Im2Col / Col2Im launchers. Kernels: GpuIm2ColKernels. Oracle: GpuParityTests.
public sealed partial class GpuBackend
{
    public void Im2Col(DeviceBuffer x, Conv2DGeometry geometry, DeviceBuffer cols, float padValue = 0f)
    {
        var g = geometry.Validate("im2col");
        long size = (long)g.N * g.ColumnRows * g.ColumnCols;
        if (size == 0) return;
        if (x.ElementType == ElementType.Float64)
        {
            Im2ColFloat64(x, g, cols, padValue, size);
            return;
        }
        _kernels.Im2Col.Value(Count(size), g, padValue, View(x), View(cols));
    }

    public void Col2Im(DeviceBuffer cols, Conv2DGeometry geometry, DeviceBuffer x)
    {
        var g = geometry.Validate("col2im");
        long size = (long)g.N * g.C * g.H * g.W;
        if (size == 0) return;
        if (cols.ElementType == ElementType.Float64)
        {
            Col2ImFloat64(cols, g, x, size);
            return;
        }
        _kernels.Col2Im.Value(Count(size), g, View(cols), View(x));
    }
}
