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
    // T: the value type (float or double; TSum its adder), TI/AI: the index storage and its accessor.
    public static void GatherKernel<T, TI, AI>(Index1D i, GpuLayout outerSrc, GpuLayout index, GpuLayout dst, int limit, int stride,
        ArrayView<T> s, ArrayView<TI> ix, ArrayView<T> d, ArrayView<float> status)
        where T : unmanaged where TI : unmanaged where AI : struct, IElement<TI>
    {
        double v = default(AI).ToDouble(ix[index.OffsetOf(i)]);
        if (v < 0 || v >= limit || XMath.Floor(v) != v)
        {
            status[1] = (float)v;
            status[2] = limit;
            status[0] = 1f;
            d[dst.OffsetOf(i)] = default;
            return;
        }
        d[dst.OffsetOf(i)] = s[outerSrc.OffsetOf(i) + (int)v * stride];
    }

    public static void ScatterAddKernel<T, TSum, TI, AI>(Index1D i, GpuLayout src, GpuLayout index, GpuLayout outerDst, int limit, int stride,
        ArrayView<T> s, ArrayView<TI> ix, ArrayView<T> d, ArrayView<float> status)
        where T : unmanaged where TSum : struct, IGpuSum<T> where TI : unmanaged where AI : struct, IElement<TI>
    {
        double v = default(AI).ToDouble(ix[index.OffsetOf(i)]);
        if (v < 0 || v >= limit || XMath.Floor(v) != v)
        {
            status[1] = (float)v;
            status[2] = limit;
            status[0] = 1f;
            return;
        }
        default(TSum).AtomicAdd(ref d[outerDst.OffsetOf(i) + (int)v * stride], s[src.OffsetOf(i)]);
    }
}
