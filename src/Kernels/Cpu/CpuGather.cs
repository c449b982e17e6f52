using DeepNet.Kernels.Elements;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Gather along a dim and its adjoint, scatter-add. Index buffers are Int64, Int32 or Float32
// holding exact integers (IndexElements); each is read through its accessor as a double, which is
// exact for every index that can be in range.
public sealed partial class CpuBackend
{
    public void Gather(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        IndexElements.Check("gather", index.ElementType);
        if (src.ElementType == ElementType.Float64)
        {
            GatherFloat64(Cpu(src), srcLayout, dim, Cpu(index), indexLayout, Cpu(dst), dstLayout);
            return;
        }
        float[] s = Data(src), d = Data(dst);
        var ix = Cpu(index);
        var outerSrc = new StridedLayout(indexLayout.Shape, WithZero(srcLayout.Strides, dim), srcLayout.Offset);
        int limit = srcLayout.Shape[dim], stride = srcLayout.Strides[dim];
        Rows(indexLayout.Size, [outerSrc, indexLayout, dstLayout], (o, n, st) =>
        {
            for (int i = 0; i < n; i++)
            {
                int j = CheckedIndex("gather", ix, o[1] + i * st[1], limit);
                d[o[2] + i * st[2]] = s[o[0] + i * st[0] + j * stride];
            }
        });
    }

    public void ScatterAdd(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        IndexElements.Check("scatter_add", index.ElementType);
        if (src.ElementType == ElementType.Float64)
        {
            ScatterAddFloat64(Cpu(src), srcLayout, dim, Cpu(index), indexLayout, Cpu(dst), dstLayout);
            return;
        }
        float[] s = Data(src), d = Data(dst);
        var ix = Cpu(index);
        var outerDst = new StridedLayout(indexLayout.Shape, WithZero(dstLayout.Strides, dim), dstLayout.Offset);
        int limit = dstLayout.Shape[dim], stride = dstLayout.Strides[dim];
        var (_, merged) = LayoutCoalescer.Coalesce(srcLayout, indexLayout, outerDst);
        // Sequential: two index entries may hit the same destination element.
        for (long e = 0; e < indexLayout.Size; e++)
        {
            int j = CheckedIndex("scatter_add", ix, merged[1].OffsetOf(e), limit);
            d[merged[2].OffsetOf(e) + j * stride] += s[merged[0].OffsetOf(e)];
        }
    }

    private static int[] WithZero(int[] strides, int dim)
    {
        var copy = (int[])strides.Clone();
        copy[dim] = 0;
        return copy;
    }

    private static int CheckedIndex(string op, CpuBuffer index, int position, int limit)
    {
        double value = index.ElementType switch
        {
            ElementType.Int64 => index.Storage<long>()[position],
            ElementType.Int32 => index.Storage<int>()[position],
            _ => index.Storage<float>()[position],
        };
        if (value < 0 || value >= limit || Math.Floor(value) != value)
            throw new ArgumentException($"{op}: index {IndexElements.Format(value, index.ElementType)} is out of range for a dim of size {limit}");
        return (int)value;
    }
}
