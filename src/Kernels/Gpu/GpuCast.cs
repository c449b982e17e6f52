using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Elements;
using DeepNet.Kernels.Geometry;
using static DeepNet.Kernels.Gpu.GpuCastKernels;

namespace DeepNet.Kernels.Gpu;

// Typed storage launchers: host copies of any element type (reinterpreted to the storage type:
// Half/BFloat16 as ushort, bool as byte), the copy of non-float32 buffers and the cast.
// Kernels: GpuCastKernels, each loaded once per (types) and held by the kernel cache.
public sealed partial class GpuBackend
{
    public void CopyFromHost<T>(ReadOnlySpan<T> source, DeviceBuffer destination, long destinationOffset) where T : unmanaged
    {
        destination.ElementType.CheckHostType<T>("copy from host");
        if (source.Length == 0) return;
        CheckRange(destination, destinationOffset, source.Length);
        switch (destination.ElementType.Size())
        {
            case 8: ViewOf<long>(destination).SubView(destinationOffset, source.Length).CopyFromCPU(Stream, MemoryMarshal.Cast<T, long>(source)); break;
            case 4: ViewOf<int>(destination).SubView(destinationOffset, source.Length).CopyFromCPU(Stream, MemoryMarshal.Cast<T, int>(source)); break;
            case 2: ViewOf<ushort>(destination).SubView(destinationOffset, source.Length).CopyFromCPU(Stream, MemoryMarshal.Cast<T, ushort>(source)); break;
            default: ViewOf<byte>(destination).SubView(destinationOffset, source.Length).CopyFromCPU(Stream, MemoryMarshal.Cast<T, byte>(source)); break;
        }
    }

    public void CopyToHost<T>(DeviceBuffer source, long sourceOffset, Span<T> destination) where T : unmanaged
    {
        source.ElementType.CheckHostType<T>("copy to host");
        if (destination.Length == 0) return;
        CheckRange(source, sourceOffset, destination.Length);
        switch (source.ElementType.Size())
        {
            case 8: ViewOf<long>(source).SubView(sourceOffset, destination.Length).CopyToCPU(Stream, MemoryMarshal.Cast<T, long>(destination)); break;
            case 4: ViewOf<int>(source).SubView(sourceOffset, destination.Length).CopyToCPU(Stream, MemoryMarshal.Cast<T, int>(destination)); break;
            case 2: ViewOf<ushort>(source).SubView(sourceOffset, destination.Length).CopyToCPU(Stream, MemoryMarshal.Cast<T, ushort>(destination)); break;
            default: ViewOf<byte>(source).SubView(sourceOffset, destination.Length).CopyToCPU(Stream, MemoryMarshal.Cast<T, byte>(destination)); break;
        }
        SyncAndCheck();
    }

    public void Cast(DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (dstLayout.Size == 0) return;
        if (src.ElementType == dst.ElementType)
        {
            Copy(src, srcLayout, dst, dstLayout);
            return;
        }
        var l = GpuLayout.Coalesced("cast", srcLayout, dstLayout);
        ElementDispatch.Visit(src.ElementType, new CastFrom(this, l[0], src, l[1], dst, Count(dstLayout.Size)));
    }

    public void ZipTyped(TypedZipKind kind, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout)
    {
        if (a.ElementType != b.ElementType)
            throw new ArgumentException($"zip: operands are {a.ElementType} and {b.ElementType}; promote them to one dtype first");
        if (cLayout.Size == 0) return;
        var l = GpuLayout.Coalesced("zip", aLayout, bLayout, cLayout);
        ElementDispatch.Visit(a.ElementType, new ZipFrom(this, (int)kind, l, a, b, c, Count(cLayout.Size)));
    }

    private sealed class ZipFrom(GpuBackend gpu, int kind, GpuLayout[] l, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, Index1D count)
        : IElementVisitor
    {
        public void Visit<T, A>() where T : unmanaged where A : struct, IElement<T> =>
            ElementDispatch.Visit(c.ElementType, new ZipTo<T, A>(gpu, kind, l, a, b, c, count));
    }

    private sealed class ZipTo<T, A>(GpuBackend gpu, int kind, GpuLayout[] l, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, Index1D count)
        : IElementVisitor where T : unmanaged where A : struct, IElement<T>
    {
        public void Visit<TC, AC>() where TC : unmanaged where AC : struct, IElement<TC> =>
            gpu.FusedKernel(("zip", typeof(A), typeof(AC)), acc =>
                    acc.LoadAutoGroupedStreamKernel<Index1D, int, GpuLayout, GpuLayout, GpuLayout, ArrayView<T>, ArrayView<T>, ArrayView<TC>>(
                        ZipTypedKernel<T, A, TC, AC>))
                (count, kind, l[0], l[1], l[2], gpu.ViewOf<T>(a), gpu.ViewOf<T>(b), gpu.ViewOf<TC>(c));
    }

    /// <summary>Copy of a buffer that is not float32: moves elements by their size, whatever they mean.</summary>
    private void CopyTyped(DeviceBuffer src, GpuLayout srcLayout, DeviceBuffer dst, GpuLayout dstLayout, Index1D count)
    {
        switch (src.ElementType.Size())
        {
            case 8: CopyTyped<long>(src, srcLayout, dst, dstLayout, count); break;
            case 4: CopyTyped<int>(src, srcLayout, dst, dstLayout, count); break;
            case 2: CopyTyped<ushort>(src, srcLayout, dst, dstLayout, count); break;
            default: CopyTyped<byte>(src, srcLayout, dst, dstLayout, count); break;
        }
    }

    private void CopyTyped<T>(DeviceBuffer src, GpuLayout srcLayout, DeviceBuffer dst, GpuLayout dstLayout, Index1D count) where T : unmanaged =>
        FusedKernel(("copy", typeof(T)), acc => acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, ArrayView<T>, ArrayView<T>>(CopyTypedKernel))
            (count, srcLayout, dstLayout, ViewOf<T>(src), ViewOf<T>(dst));

    private sealed class CastFrom(GpuBackend gpu, GpuLayout srcLayout, DeviceBuffer src, GpuLayout dstLayout, DeviceBuffer dst, Index1D count)
        : IElementVisitor
    {
        public void Visit<TS, AS>() where TS : unmanaged where AS : struct, IElement<TS> =>
            ElementDispatch.Visit(dst.ElementType, new CastTo<TS, AS>(gpu, srcLayout, src, dstLayout, dst, count));
    }

    private sealed class CastTo<TS, AS>(GpuBackend gpu, GpuLayout srcLayout, DeviceBuffer src, GpuLayout dstLayout, DeviceBuffer dst, Index1D count)
        : IElementVisitor where TS : unmanaged where AS : struct, IElement<TS>
    {
        public void Visit<TD, AD>() where TD : unmanaged where AD : struct, IElement<TD> =>
            gpu.FusedKernel(("cast", typeof(AS), typeof(AD)), acc =>
                    acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, ArrayView<TS>, ArrayView<TD>>(CastKernel<TS, AS, TD, AD>))
                (count, srcLayout, dstLayout, gpu.ViewOf<TS>(src), gpu.ViewOf<TD>(dst));
    }
}
