using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Gather along a dim and its adjoint, scatter-add. Index values are integers stored as floats.
public sealed partial class CpuBackend
{
    public void Gather(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        float[] s = Data(src), ix = Data(index), d = Data(dst);
        var outerSrc = new StridedLayout(indexLayout.Shape, WithZero(srcLayout.Strides, dim), srcLayout.Offset);
        int limit = srcLayout.Shape[dim], stride = srcLayout.Strides[dim];
        Rows(indexLayout.Size, [outerSrc, indexLayout, dstLayout], (o, n, st) =>
        {
            for (int i = 0; i < n; i++)
            {
                int j = CheckedIndex("gather", ix[o[1] + i * st[1]], limit);
                d[o[2] + i * st[2]] = s[o[0] + i * st[0] + j * stride];
            }
        });
    }

    public void ScatterAdd(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout)
    {
        float[] s = Data(src), ix = Data(index), d = Data(dst);
        var outerDst = new StridedLayout(indexLayout.Shape, WithZero(dstLayout.Strides, dim), dstLayout.Offset);
        int limit = dstLayout.Shape[dim], stride = dstLayout.Strides[dim];
        var (_, merged) = LayoutCoalescer.Coalesce(srcLayout, indexLayout, outerDst);
        // Sequential: two index entries may hit the same destination element.
        for (long e = 0; e < indexLayout.Size; e++)
        {
            int j = CheckedIndex("scatter_add", ix[merged[1].OffsetOf(e)], limit);
            d[merged[2].OffsetOf(e) + j * stride] += s[merged[0].OffsetOf(e)];
        }
    }

    private static int[] WithZero(int[] strides, int dim)
    {
        var copy = (int[])strides.Clone();
        copy[dim] = 0;
        return copy;
    }

    private static int CheckedIndex(string op, float value, int limit)
    {
        int j = (int)value;
        if (j < 0 || j >= limit || j != value)
            throw new ArgumentException($"{op}: index {value} is out of range for a dim of size {limit}");
        return j;
    }
}
