using ILGPU;

namespace DeepNet.Kernels.Gpu;

// Reductions (sum, max) over any set of dims and argmax along one dim.
// src: [d0..dn] strided; the kept dims form the outer index (aligned with dst), the reduced dims
// the inner index. Two variants: PerThread (one output per thread, a serial inner loop: many
// outputs, short rows) and Block (one group of BlockSize threads per output, strided partial
// sums and a shared-memory tree: few outputs, long rows). Both are deterministic.
// Oracle: GpuParityTests (CpuBackend.Reduce / ArgMax).
internal static class GpuReduceKernels
{
    public const int BlockSize = 256;

    /// <summary>kind: 0 = sum, 1 = max (NaN propagates, as on the CPU).</summary>
    private static float Combine(int kind, float acc, float v) =>
        kind == 0 ? acc + v : (v > acc || float.IsNaN(v) ? v : acc);

    private static float Identity(int kind) => kind == 0 ? 0f : float.NegativeInfinity;

    // o: output index; dst[outerDst(o)] = reduce_j src[outerSrc(o) + inner(j)]
    public static void PerThreadKernel(Index1D o, GpuLayout outerSrc, GpuLayout outerDst, GpuLayout inner, int innerSize,
        int kind, ArrayView<float> s, ArrayView<float> d)
    {
        int start = outerSrc.OffsetOf(o);
        float acc = Identity(kind);
        for (int j = 0; j < innerSize; j++) acc = Combine(kind, acc, s[start + inner.OffsetOf(j)]);
        d[outerDst.OffsetOf(o)] = acc;
    }

    // group = output index, BlockSize threads each
    public static void BlockKernel(GpuLayout outerSrc, GpuLayout outerDst, GpuLayout inner, int innerSize,
        int kind, ArrayView<float> s, ArrayView<float> d)
    {
        var partial = SharedMemory.Allocate<float>(BlockSize);
        int o = Grid.IdxX, t = Group.IdxX;
        int start = outerSrc.OffsetOf(o);
        float acc = Identity(kind);
        for (int j = t; j < innerSize; j += BlockSize) acc = Combine(kind, acc, s[start + inner.OffsetOf(j)]);
        partial[t] = acc;
        Group.Barrier();
        for (int half = BlockSize / 2; half > 0; half /= 2)
        {
            if (t < half) partial[t] = Combine(kind, partial[t], partial[t + half]);
            Group.Barrier();
        }
        if (t == 0) d[outerDst.OffsetOf(o)] = partial[0];
    }

    // dst[o] = first j maximizing src[outerSrc(o) + j·stride] (NaN wins, as on the CPU), stored as a float
    /// <summary>Float64 sum or max, one output per thread (NaN propagates, as on the CPU).</summary>
    public static void PerThreadFloat64Kernel(Index1D o, GpuLayout outerSrc, GpuLayout outerDst, GpuLayout inner, int innerSize,
        int kind, ArrayView<double> s, ArrayView<double> d)
    {
        int start = outerSrc.OffsetOf(o);
        double acc = kind == 0 ? 0.0 : double.NegativeInfinity;
        for (int j = 0; j < innerSize; j++)
        {
            double v = s[start + inner.OffsetOf(j)];
            acc = kind == 0 ? acc + v : (v > acc || double.IsNaN(v) ? v : acc);
        }
        d[outerDst.OffsetOf(o)] = acc;
    }

    /// <summary>The index goes out through the dst's accessor: Int64 (what Tensor.ArgMax returns), Int32 or Float32.</summary>
    public static void ArgMaxKernel<TD, AD>(Index1D o, GpuLayout outerSrc, GpuLayout dst, int length, int stride,
        ArrayView<float> s, ArrayView<TD> d) where TD : unmanaged where AD : struct, DeepNet.Kernels.Elements.IElement<TD>
    {
        int start = outerSrc.OffsetOf(o), best = 0;
        float bestValue = s[start];
        for (int j = 1; j < length; j++)
        {
            float v = s[start + j * stride];
            if (v > bestValue || (float.IsNaN(v) && !float.IsNaN(bestValue)))
            {
                bestValue = v;
                best = j;
            }
        }
        d[dst.OffsetOf(o)] = default(AD).FromInt64(best);
    }
}
