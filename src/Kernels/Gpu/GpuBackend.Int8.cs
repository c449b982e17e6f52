using ILGPU;
using ILGPU.Runtime;

namespace DeepNet.Kernels.Gpu;

// Typed device memory outside the float pool, for the int8 weights of quantized inference
// (GpuInt8Weight): allocated once per packed weight and freed with it.
public sealed partial class GpuBackend
{
    /// <summary>A device buffer of <paramref name="values"/>, copied now (on the default stream).</summary>
    internal MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var buffer = _accelerator.Allocate1D<T>(Math.Max(values.Length, 1));
        if (values.Length > 0) buffer.View.SubView(0, values.Length).CopyFromCPU(Stream, values);
        return buffer;
    }
}
