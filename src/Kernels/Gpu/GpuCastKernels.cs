using ILGPU;
using DeepNet.Kernels.Elements;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Kernels of typed storage: the strided copy of any element size and the cast between element
/// types, one thread per element, generic over the storage type and its accessor (Elements/IElement,
/// the same code as the CPU loops). Oracle: CpuBackend (GpuParityTests.Dtypes).
/// </summary>
public static class GpuCastKernels
{
    public static void CopyTypedKernel<T>(Index1D i, GpuLayout src, GpuLayout dst, ArrayView<T> s, ArrayView<T> d) where T : unmanaged =>
        d[dst.OffsetOf(i)] = s[src.OffsetOf(i)];

    public static void CastKernel<TS, AS, TD, AD>(Index1D i, GpuLayout src, GpuLayout dst, ArrayView<TS> s, ArrayView<TD> d)
        where TS : unmanaged where AS : struct, IElement<TS> where TD : unmanaged where AD : struct, IElement<TD> =>
        d[dst.OffsetOf(i)] = ElementDispatch.Convert<TS, AS, TD, AD>(s[src.OffsetOf(i)]);
}
