using ILGPU;
using DeepNet.Kernels.Elements;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Kernels of typed storage: the strided copy of any element size and the cast between element
/// types and the exact typed zip, one thread per element, generic over the storage type and its accessor (Elements/IElement,
/// the same code as the CPU loops). Oracle: CpuBackend (GpuParityTests.Dtypes).
/// </summary>
internal static class GpuCastKernels
{
    public static void CopyTypedKernel<T>(Index1D i, GpuLayout src, GpuLayout dst, ArrayView<T> s, ArrayView<T> d) where T : unmanaged =>
        d[dst.OffsetOf(i)] = s[src.OffsetOf(i)];

    public static void CastKernel<TS, AS, TD, AD>(Index1D i, GpuLayout src, GpuLayout dst, ArrayView<TS> s, ArrayView<TD> d)
        where TS : unmanaged where AS : struct, IElement<TS> where TD : unmanaged where AD : struct, IElement<TD> =>
        d[dst.OffsetOf(i)] = ElementDispatch.Convert<TS, AS, TD, AD>(s[src.OffsetOf(i)]);

    public static void ZipTypedKernel<T, A, TC, AC>(Index1D i, int kind, GpuLayout al, GpuLayout bl, GpuLayout cl,
        ArrayView<T> a, ArrayView<T> b, ArrayView<TC> c)
        where T : unmanaged where A : struct, IElement<T> where TC : unmanaged where AC : struct, IElement<TC> =>
        c[cl.OffsetOf(i)] = TypedZip.Apply<T, A, TC, AC>(kind, a[al.OffsetOf(i)], b[bl.OffsetOf(i)]);
}
