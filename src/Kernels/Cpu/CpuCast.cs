using DeepNet.Kernels.Elements;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Typed storage: host copies of any element type, the byte-size-agnostic strided copy of
// non-float32 buffers, and the cast between element types (per element through the shared
// accessors, Elements/IElement). Oracle: ElementDispatch.Convert (CastTests) and the GPU kernels.
public sealed partial class CpuBackend
{
    public void CopyFromHost<T>(ReadOnlySpan<T> source, DeviceBuffer destination, long destinationOffset) where T : unmanaged
    {
        destination.ElementType.CheckHostType<T>("copy from host");
        source.CopyTo(Cpu(destination).AsSpan<T>().Slice((int)destinationOffset, source.Length));
    }

    public void CopyToHost<T>(DeviceBuffer source, long sourceOffset, Span<T> destination) where T : unmanaged
    {
        source.ElementType.CheckHostType<T>("copy to host");
        Cpu(source).AsSpan<T>().Slice((int)sourceOffset, destination.Length).CopyTo(destination);
    }

    public void Cast(DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (dstLayout.Size == 0) return;
        if (src.ElementType == dst.ElementType)
        {
            Copy(src, srcLayout, dst, dstLayout);
            return;
        }
        if (srcLayout.IsContiguous && dstLayout.IsContiguous && DenseHalfCast(Cpu(src), srcLayout.Offset, Cpu(dst), dstLayout.Offset, (int)dstLayout.Size))
            return;
        ElementDispatch.Visit(src.ElementType, new CastFrom(Cpu(src), srcLayout, Cpu(dst), dstLayout));
    }

    // float32 ⇄ bfloat16/float16 over dense runs: the conversions autocast's scratch makes on every
    // 16-bit op, in plain loops over HalfBits (the same functions as the generic path, so the same bits).
    private static bool DenseHalfCast(CpuBuffer src, int srcOffset, CpuBuffer dst, int dstOffset, int n)
    {
        switch (src.ElementType, dst.ElementType)
        {
            case (ElementType.Float32, ElementType.BFloat16 or ElementType.Float16):
                ToHalf(src, srcOffset, dst, dstOffset, n);
                return true;
            case (ElementType.BFloat16 or ElementType.Float16, ElementType.Float32):
                FromHalf(src, srcOffset, dst, dstOffset, n);
                return true;
            default:
                return false;
        }
    }

    // The loops are their own methods: a lambda capturing DenseHalfCast's parameters would allocate its
    // closure on every cast (an Int64 → Float32 label cast too), whichever case ran.
    private static void ToHalf(CpuBuffer src, int srcOffset, CpuBuffer dst, int dstOffset, int n)
    {
        bool toBFloat16 = dst.ElementType == ElementType.BFloat16;
        For(n, (lo, hi) =>
        {
            var s = src.Storage<float>().Slice(srcOffset + (int)lo, (int)(hi - lo));
            var d = dst.Storage<ushort>().Slice(dstOffset + (int)lo, (int)(hi - lo));
            if (toBFloat16) for (int i = 0; i < s.Length; i++) d[i] = HalfBits.FloatToBFloat16(s[i]);
            else for (int i = 0; i < s.Length; i++) d[i] = HalfBits.FloatToHalf(s[i]);
        }, 4);
    }

    private static void FromHalf(CpuBuffer src, int srcOffset, CpuBuffer dst, int dstOffset, int n)
    {
        bool fromBFloat16 = src.ElementType == ElementType.BFloat16;
        For(n, (lo, hi) =>
        {
            var s = src.Storage<ushort>().Slice(srcOffset + (int)lo, (int)(hi - lo));
            var d = dst.Storage<float>().Slice(dstOffset + (int)lo, (int)(hi - lo));
            if (fromBFloat16) for (int i = 0; i < s.Length; i++) d[i] = HalfBits.BFloat16ToFloat(s[i]);
            else for (int i = 0; i < s.Length; i++) d[i] = HalfBits.HalfToFloat(s[i]);
        }, 2);
    }

    /// <summary>Copy of a buffer that is not float32: moves elements by their size, whatever they mean.</summary>
    private static void CopyTyped(CpuBuffer src, StridedLayout srcLayout, CpuBuffer dst, StridedLayout dstLayout)
    {
        switch (src.ElementType.Size())
        {
            case 8: CopyTyped<long>(src, srcLayout, dst, dstLayout); break;
            case 4: CopyTyped<int>(src, srcLayout, dst, dstLayout); break;
            case 2: CopyTyped<ushort>(src, srcLayout, dst, dstLayout); break;
            default: CopyTyped<byte>(src, srcLayout, dst, dstLayout); break;
        }
    }

    private static void CopyTyped<T>(CpuBuffer src, StridedLayout srcLayout, CpuBuffer dst, StridedLayout dstLayout) where T : unmanaged
    {
        if (srcLayout.IsContiguous && dstLayout.IsContiguous)
        {
            int n = (int)dstLayout.Size;
            src.Storage<T>().Slice(srcLayout.Offset, n).CopyTo(dst.Storage<T>().Slice(dstLayout.Offset, n));
            return;
        }
        Rows(dstLayout.Size, [srcLayout, dstLayout], (o, n, st) =>
        {
            Span<T> s = src.Storage<T>(), d = dst.Storage<T>();
            for (int i = 0; i < n; i++) d[o[1] + i * st[1]] = s[o[0] + i * st[0]];
        });
    }

    private sealed class CastFrom(CpuBuffer src, StridedLayout srcLayout, CpuBuffer dst, StridedLayout dstLayout) : IElementVisitor
    {
        public void Visit<TS, AS>() where TS : unmanaged where AS : struct, IElement<TS> =>
            ElementDispatch.Visit(dst.ElementType, new CastTo<TS, AS>(src, srcLayout, dst, dstLayout));
    }

    private sealed class CastTo<TS, AS>(CpuBuffer src, StridedLayout srcLayout, CpuBuffer dst, StridedLayout dstLayout) : IElementVisitor
        where TS : unmanaged where AS : struct, IElement<TS>
    {
        public void Visit<TD, AD>() where TD : unmanaged where AD : struct, IElement<TD>
        {
            if (srcLayout.IsContiguous && dstLayout.IsContiguous)
            {
                // Dense (labels to float, a dtype change of a whole tensor): one loop, no row walk, same conversion.
                int n = (int)dstLayout.Size;
                Span<TS> s = src.Storage<TS>().Slice(srcLayout.Offset, n);
                Span<TD> d = dst.Storage<TD>().Slice(dstLayout.Offset, n);
                for (int i = 0; i < n; i++) d[i] = ElementDispatch.Convert<TS, AS, TD, AD>(s[i]);
                return;
            }
            Strided<TD, AD>();
        }

        private void Strided<TD, AD>() where TD : unmanaged where AD : struct, IElement<TD> =>
            Rows(dstLayout.Size, [srcLayout, dstLayout], (o, n, st) =>
            {
                Span<TS> s = src.Storage<TS>();
                Span<TD> d = dst.Storage<TD>();
                for (int i = 0; i < n; i++) d[o[1] + i * st[1]] = ElementDispatch.Convert<TS, AS, TD, AD>(s[o[0] + i * st[0]]);
            });
    }
}
