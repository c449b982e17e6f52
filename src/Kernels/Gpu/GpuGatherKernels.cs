using ILGPU;
using ILGPU.Algorithms;
using DeepNet.Kernels.Elements;

namespace DeepNet.Kernels.Gpu;

// Gather along a dim and its adjoint scatter-add. index, dst (gather) / src (scatter) share one
// shape; outer is the other operand's layout over that shape with stride 0 on dim, so the
// element is outer(i) + index(i)·stride. Index values are Int64, Int32 or integer-valued Float32, read as double through the accessor; a bad
// value cannot throw in a kernel, so it is skipped and reported in the op's status slot
// [1, value, limit], raised at the next host sync (GpuIndexCheck). Scatter-add uses float atomics: two entries may hit one destination.
// Oracle: GpuParityTests (CpuBackend.Gather / ScatterAdd).
internal static class GpuGatherKernels
{
    public static void GatherKernel<TI, AI>(Index1D i, GpuLayout outerSrc, GpuLayout index, GpuLayout dst, int limit, int stride,
        ArrayView<float> s, ArrayView<TI> ix, ArrayView<float> d, ArrayView<float> status)
        where TI : unmanaged where AI : struct, IElement<TI>
    {
        double v = default(AI).ToDouble(ix[index.OffsetOf(i)]);
        if (v < 0 || v >= limit || XMath.Floor(v) != v)
        {
            status[1] = (float)v;
            status[2] = limit;
            status[0] = 1f;
            d[dst.OffsetOf(i)] = 0f;
            return;
        }
        d[dst.OffsetOf(i)] = s[outerSrc.OffsetOf(i) + (int)v * stride];
    }

    public static void ScatterAddKernel<TI, AI>(Index1D i, GpuLayout src, GpuLayout index, GpuLayout outerDst, int limit, int stride,
        ArrayView<float> s, ArrayView<TI> ix, ArrayView<float> d, ArrayView<float> status)
        where TI : unmanaged where AI : struct, IElement<TI>
    {
        double v = default(AI).ToDouble(ix[index.OffsetOf(i)]);
        if (v < 0 || v >= limit || XMath.Floor(v) != v)
        {
            status[1] = (float)v;
            status[2] = limit;
            status[0] = 1f;
            return;
        }
        Atomic.Add(ref d[outerDst.OffsetOf(i) + (int)v * stride], s[src.OffsetOf(i)]);
    }
}
