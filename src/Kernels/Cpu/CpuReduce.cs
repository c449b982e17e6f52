using System.Numerics.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Reductions over any set of dims, and argmax along one dim.
// The kept dims form the outer loop (one output each), the reduced dims the inner block.
public sealed partial class CpuBackend
{
    public void Reduce(ReduceKind kind, DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout)
    {
        if (src.ElementType == ElementType.Float64)
        {
            ReduceFloat64(kind, Cpu(src), srcLayout, Cpu(dst), dstLayout);
            return;
        }
        float[] s = Data(src), d = Data(dst);
        if (TryReduceContiguous(kind, s, srcLayout, d, dstLayout)) return;
        var (outerSrc, outerDst, inner) = SplitReduced(srcLayout, dstLayout);
        var (innerShape, innerLayouts) = LayoutCoalescer.Coalesce(inner);
        var innerLayout = innerLayouts[0];
        long innerSize = ShapeMath.Size(innerShape);
        bool denseInner = innerShape.Length == 1 && innerLayout.Strides[0] == 1;
        Rows(outerDst.Size, [outerSrc, outerDst], (o, n, st) =>
        {
            for (int i = 0; i < n; i++)
            {
                int start = o[0] + i * st[0];
                d[o[1] + i * st[1]] = denseInner
                    ? ReduceContiguous(kind, s.AsSpan(start, (int)innerSize))
                    : ReduceStrided(kind, s, start, innerLayout, innerSize);
            }
        });
    }

    public void ArgMax(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer dst, StridedLayout dstLayout)
    {
        var d = Cpu(dst);
        if (dst.ElementType is not (ElementType.Int64 or ElementType.Float32))
            throw new ArgumentException($"argmax: indices are written as Int64 or Float32, not {dst.ElementType}");
        if (src.ElementType == ElementType.Float64)
        {
            ArgMaxFloat64(Cpu(src), srcLayout, dim, d, dstLayout);
            return;
        }
        float[] s = Data(src);
        int length = srcLayout.Shape[dim], stride = srcLayout.Strides[dim];
        var outerSrc = new StridedLayout(dstLayout.Shape, srcLayout.Strides, srcLayout.Offset);
        Rows(dstLayout.Size, [outerSrc, dstLayout], (o, n, st) =>
        {
            Span<long> ids = d.ElementType == ElementType.Int64 ? d.Storage<long>() : default;
            Span<float> floats = d.ElementType == ElementType.Float32 ? d.Storage<float>() : default;
            for (int i = 0; i < n; i++)
            {
                int start = o[0] + i * st[0], best = 0;
                float bestValue = s[start];
                for (int j = 1; j < length; j++)
                {
                    float v = s[start + j * stride];
                    if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue))) { bestValue = v; best = j; }
                }
                if (d.ElementType == ElementType.Int64) ids[o[1] + i * st[1]] = best;
                else floats[o[1] + i * st[1]] = best;
            }
        });
    }

    /// <summary>Float64 sum or max, a serial double loop per output (the checking dtype: exact order, no SIMD).</summary>
    private static void ReduceFloat64(ReduceKind kind, CpuBuffer src, StridedLayout srcLayout, CpuBuffer dst, StridedLayout dstLayout)
    {
        if (dst.ElementType != ElementType.Float64)
            throw new ArgumentException($"reduce: a Float64 source reduces into Float64, not {dst.ElementType}");
        var (outerSrc, outerDst, inner) = SplitReduced(srcLayout, dstLayout);
        long innerSize = inner.Size;
        Rows(outerDst.Size, [outerSrc, outerDst], (o, n, st) =>
        {
            Span<double> s = src.Storage<double>(), d = dst.Storage<double>();
            for (int i = 0; i < n; i++)
            {
                int start = o[0] + i * st[0];
                double acc = kind == ReduceKind.Sum ? 0.0 : double.NegativeInfinity;
                for (long j = 0; j < innerSize; j++)
                {
                    double v = s[start + inner.OffsetOf(j)];
                    acc = kind == ReduceKind.Sum ? acc + v : (v > acc || double.IsNaN(v) ? v : acc);
                }
                d[o[1] + i * st[1]] = acc;
            }
        });
    }

    /// <summary>Splits src into the kept dims (outer, aligned with dst) and the reduced dims (inner).</summary>
    private static (StridedLayout OuterSrc, StridedLayout OuterDst, StridedLayout Inner) SplitReduced(
        StridedLayout src, StridedLayout dst)
    {
        var outerSrcStrides = new int[src.Rank];
        var innerShape = new int[src.Rank];
        var innerStrides = new int[src.Rank];
        for (int k = 0; k < src.Rank; k++)
        {
            bool reduced = dst.Shape[k] == 1 && src.Shape[k] != 1;
            outerSrcStrides[k] = reduced ? 0 : src.Strides[k];
            innerShape[k] = reduced ? src.Shape[k] : 1;
            innerStrides[k] = reduced ? src.Strides[k] : 0;
        }
        return (new StridedLayout(dst.Shape, outerSrcStrides, src.Offset), dst,
                new StridedLayout(innerShape, innerStrides, 0));
    }

    private static float ReduceContiguous(ReduceKind kind, ReadOnlySpan<float> values) =>
        kind == ReduceKind.Sum ? TensorPrimitives.Sum(values) : TensorPrimitives.Max(values);

    /// <summary>Reduces the inner block row by row: its last (coalesced) dim is a dense run in the common case.</summary>
    private static float ReduceStrided(ReduceKind kind, float[] s, int start, StridedLayout inner, long size)
    {
        int rank = inner.Rank, length = inner.Shape[rank - 1], stride = inner.Strides[rank - 1];
        long rows = size / Math.Max(length, 1);
        float acc = kind == ReduceKind.Sum ? 0f : float.NegativeInfinity;
        for (long r = 0; r < rows; r++)
        {
            int rowStart = start + inner.OffsetOf(r * length);
            float v;
            if (stride == 1) v = ReduceContiguous(kind, s.AsSpan(rowStart, length));
            else
            {
                v = kind == ReduceKind.Sum ? 0f : float.NegativeInfinity;
                for (int j = 0; j < length; j++) v = Combine(kind, v, s[rowStart + j * stride]);
            }
            acc = Combine(kind, acc, v);
        }
        return acc;
    }

    private static float Combine(ReduceKind kind, float acc, float v) =>
        kind == ReduceKind.Sum ? acc + v : (v > acc || float.IsNaN(v) ? v : acc);
}
