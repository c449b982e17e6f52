using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Fused;

/// <summary>
/// The CPU building blocks of the fused attention (Attention.cs, AttentionBackward.cs), on blocks
/// of <see cref="Width"/> keys: a key block is packed transposed ([E, Width]) so one query row's
/// scores are Width lanes of broadcast FMAs (8 Vector256 accumulators, no horizontal sums), and
/// the probability-weighted sums over keys keep 8 output lanes in a register across the block.
/// </summary>
internal static class AttentionBlocks
{
    /// <summary>Keys per block: 8 Vector256 accumulators.</summary>
    public const int Width = 64;

    /// <summary>dst[d·Width + j] = src[start + j·stride + d] for j &lt; count, 0 for count ≤ j &lt; Width.</summary>
    public static void PackTransposed(float[] src, int start, int stride, int count, int dim, Span<float> dst)
    {
        if (count < Width) dst[..(dim * Width)].Clear();
        for (int j = 0; j < count; j++)
        {
            var row = src.AsSpan(start + j * stride, dim);
            for (int d = 0; d < dim; d++) dst[d * Width + j] = row[d];
        }
    }

    /// <summary>out[j] = Σ_d a[d]·packed[d·Width + j] for all Width lanes (a: one row, packed: a transposed block).</summary>
    public static void RowTimesPacked(ReadOnlySpan<float> a, ReadOnlySpan<float> packed, Span<float> output)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int d = 0; d < a.Length; d++)
        {
            var x = Vector256.Create(a[d]);
            var p = packed.Slice(d * Width, Width);
            c0 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p), c0);
            c1 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p[8..]), c1);
            c2 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p[16..]), c2);
            c3 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p[24..]), c3);
            c4 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p[32..]), c4);
            c5 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p[40..]), c5);
            c6 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p[48..]), c6);
            c7 = Vector256.FusedMultiplyAdd(x, Vector256.Create(p[56..]), c7);
        }
        c0.CopyTo(output);
        c1.CopyTo(output[8..]);
        c2.CopyTo(output[16..]);
        c3.CopyTo(output[24..]);
        c4.CopyTo(output[32..]);
        c5.CopyTo(output[40..]);
        c6.CopyTo(output[48..]);
        c7.CopyTo(output[56..]);
    }

    /// <summary>acc[·] += Σ_{j &lt; count} w[j]·rows[start + j·stride + ·] (acc: one row of length dim), 8 lanes in a register at a time.</summary>
    public static void AddWeightedRows(ReadOnlySpan<float> w, int count, float[] rows, int start, int stride, Span<float> acc)
    {
        int dim = acc.Length, c = 0;
        for (; c + 8 <= dim; c += 8)
        {
            var sum = Vector256.Create(acc[c..]);
            for (int j = 0; j < count; j++)
                sum = Vector256.FusedMultiplyAdd(Vector256.Create(w[j]), Vector256.Create(rows, start + j * stride + c), sum);
            sum.CopyTo(acc[c..]);
        }
        for (; c < dim; c++)
        {
            float sum = acc[c];
            for (int j = 0; j < count; j++) sum += w[j] * rows[start + j * stride + c];
            acc[c] = sum;
        }
    }

    /// <summary>y[·] += a·x[·] over y's length.</summary>
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int c = 0;
        var va = Vector256.Create(a);
        for (; c + 8 <= y.Length; c += 8)
            Vector256.FusedMultiplyAdd(va, Vector256.Create(x[c..]), Vector256.Create(y[c..])).CopyTo(y[c..]);
        for (; c < y.Length; c++) y[c] += a * x[c];
    }
}
