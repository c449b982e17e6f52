using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Fast path of Reduce for a dense source whose reduced dims form one block: viewed as
// [A, R, B] (kept, reduced, kept; size-1 dims aside) it is A·B row reductions when B = 1
// (softmax, losses, layer norm) and, otherwise, A blocks of R rows of B elements combined
// elementwise in row order (bias gradients, pooling's max over R·S, counts of maxima). The row
// order and the scalar comparison are those of the general strided path, so sums equal a
// row-order float sum bit for bit and max keeps its NaN rule. Oracle: ReduceTests, FastPathTests.
public sealed partial class CpuBackend
{
    private static bool TryReduceContiguous(ReduceKind kind, float[] s, StridedLayout src, float[] d, StridedLayout dst)
    {
        if (!src.IsContiguous || !dst.IsContiguous || src.Size == 0) return false;
        long a = 1, r = 1, b = 1;
        int phase = 0;   // 0: kept prefix, 1: reduced block, 2: kept suffix
        for (int k = 0; k < src.Rank; k++)
        {
            int size = src.Shape[k];
            if (size == 1) continue;
            bool reduced = dst.Shape[k] == 1;
            if (reduced && phase == 2) return false;   // reduced dims in two blocks
            if (reduced) { phase = 1; r *= size; }
            else if (phase == 0) a *= size;
            else { phase = 2; b *= size; }
        }
        long total = a * r * b;
        if (b == 1)
        {
            if (total >= ParallelThreshold) return false;
            for (int i = 0; i < a; i++) d[dst.Offset + i] = ReduceContiguous(kind, s.AsSpan(src.Offset + i * (int)r, (int)r));
            return true;
        }
        if (total < ParallelThreshold || a == 1) ReduceBlocks(kind, s, src.Offset, d, dst.Offset, 0, (int)a, (int)r, (int)b);
        else ReduceBlocksParallel(kind, s, src.Offset, d, dst.Offset, (int)a, (int)r, (int)b);
        return true;
    }

    private static void ReduceBlocksParallel(ReduceKind kind, float[] s, int so, float[] d, int dOffset, int a, int r, int b) =>
        For(a, (lo, hi) => ReduceBlocks(kind, s, so, d, dOffset, (int)lo, (int)hi, r, b), (long)r * b);

    /// <summary>d[i, :] = combine over j of s[i, j, :] for blocks i in [lo, hi); s: [A, R, B], d: [A, B].</summary>
    private static void ReduceBlocks(ReduceKind kind, float[] s, int so, float[] d, int dOffset, int lo, int hi, int r, int b)
    {
        for (int i = lo; i < hi; i++)
        {
            var acc = d.AsSpan(dOffset + i * b, b);
            acc.Fill(kind == ReduceKind.Sum ? 0f : float.NegativeInfinity);
            for (int j = 0; j < r; j++)
            {
                var row = s.AsSpan(so + (i * r + j) * b, b);
                if (kind == ReduceKind.Sum) TensorPrimitives.Add(acc, row, acc);
                else MaxInto(acc, row);
            }
        }
    }

    /// <summary>acc = v > acc || v is NaN ? v : acc, elementwise (the strided path's rule, vectorized).</summary>
    private static void MaxInto(Span<float> acc, ReadOnlySpan<float> row)
    {
        int i = 0;
        for (; i <= acc.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var v = Vector256.Create(row.Slice(i, Vector256<float>.Count));
            var current = Vector256.Create((ReadOnlySpan<float>)acc.Slice(i, Vector256<float>.Count));
            var take = Vector256.GreaterThan(v, current) | ~Vector256.Equals(v, v);
            Vector256.ConditionalSelect(take, v, current).CopyTo(acc.Slice(i, Vector256<float>.Count));
        }
        for (; i < acc.Length; i++)
            if (row[i] > acc[i] || float.IsNaN(row[i])) acc[i] = row[i];
    }
}
