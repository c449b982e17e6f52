using ILGPU;

namespace DeepNet.Kernels.Gpu;

// Gather along a dim and its adjoint scatter-add. index, dst (gather) / src (scatter) share one
// shape; outer is the other operand's layout over that shape with stride 0 on dim, so the
// element is outer(i) + index(i)·stride. Index values are integers stored as floats; a bad
// value cannot throw in a kernel, so it is skipped and reported in the op's status slot
// [1, value, limit], raised at the next host sync (GpuIndexCheck). Scatter-add uses float atomics: two entries may hit one destination.
// Oracle: GpuParityTests (CpuBackend.Gather / ScatterAdd).
internal static class GpuGatherKernels
{
    public static void GatherKernel(Index1D i, GpuLayout outerSrc, GpuLayout index, GpuLayout dst, int limit, int stride,
        ArrayView<float> s, ArrayView<float> ix, ArrayView<float> d, ArrayView<float> status)
    {
        float v = ix[index.OffsetOf(i)];
        int j = (int)v;
        if (j < 0 || j >= limit || j != v)
        {
            status[1] = v;
            status[2] = limit;
            status[0] = 1f;
            d[dst.OffsetOf(i)] = 0f;
            return;
        }
        d[dst.OffsetOf(i)] = s[outerSrc.OffsetOf(i) + j * stride];
    }

    public static void ScatterAddKernel(Index1D i, GpuLayout src, GpuLayout index, GpuLayout outerDst, int limit, int stride,
        ArrayView<float> s, ArrayView<float> ix, ArrayView<float> d, ArrayView<float> status)
    {
        float v = ix[index.OffsetOf(i)];
        int j = (int)v;
        if (j < 0 || j >= limit || j != v)
        {
            status[1] = v;
            status[2] = limit;
            status[0] = 1f;
            return;
        }
        Atomic.Add(ref d[outerDst.OffsetOf(i) + j * stride], s[src.OffsetOf(i)]);
    }
}
