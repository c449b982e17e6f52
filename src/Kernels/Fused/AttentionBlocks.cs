using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepNet.Kernels.Cpu;

namespace DeepNet.Kernels.Fused;

/// <summary>
/// The CPU building blocks of the fused attention (Attention.cs, AttentionBackward.cs), on blocks
/// of <see cref="Width"/> keys: a key block is packed transposed ([E, Width]) so one query row's
/// scores are Width lanes of broadcast FMAs (8 Vector256 accumulators, no horizontal sums); the
/// key-side gradients accumulate in the same transposed form (rank-1 updates over the key lanes),
/// and the probability-weighted sums over keys keep 8 output lanes in a register across the block.
/// Lengths are checked on entry; the inner loops read through refs (no per-load bounds checks).
/// </summary>
internal static class AttentionBlocks
{
    /// <summary>Keys per block: 8 Vector256 accumulators.</summary>
    public const int Width = 64;

    /// <summary>dst[d·Width + j] = src[start + j·stride + d] for j &lt; count, 0 for count ≤ j &lt; Width.</summary>
    /// <remarks>
    /// Eight keys × eight dims at a time through one 8×8 register transpose (8 row loads, 8 packed-row
    /// stores) where AVX is there; the scalar scatter was ~2% of a Transformer step.
    /// </remarks>
    public static void PackTransposed(float[] src, int start, int stride, int count, int dim, Span<float> dst)
    {
        if (count > Width || dst.Length < dim * Width || count > 0 && (start < 0 || (long)start + (long)(count - 1) * stride + dim > src.Length))
            throw new ArgumentException("attention: block out of range");
        if (count < Width) dst[..(dim * Width)].Clear();
        int j = 0;
        if (Avx.IsSupported)
        {
            ref float s0 = ref MemoryMarshal.GetArrayDataReference(src);
            ref float o0 = ref MemoryMarshal.GetReference(dst);
            for (; j + 8 <= count; j += 8)
            {
                int d = 0;
                for (; d + 8 <= dim; d += 8)
                {
                    ref float r = ref Unsafe.Add(ref s0, start + j * stride + d);
                    Vector256<float> v0 = Vector256.LoadUnsafe(ref r), v1 = Vector256.LoadUnsafe(ref r, (nuint)stride),
                        v2 = Vector256.LoadUnsafe(ref r, (nuint)(2 * stride)), v3 = Vector256.LoadUnsafe(ref r, (nuint)(3 * stride)),
                        v4 = Vector256.LoadUnsafe(ref r, (nuint)(4 * stride)), v5 = Vector256.LoadUnsafe(ref r, (nuint)(5 * stride)),
                        v6 = Vector256.LoadUnsafe(ref r, (nuint)(6 * stride)), v7 = Vector256.LoadUnsafe(ref r, (nuint)(7 * stride));
                    CpuTranspose.Transpose8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    ref float o = ref Unsafe.Add(ref o0, d * Width + j);
                    v0.StoreUnsafe(ref o);
                    v1.StoreUnsafe(ref o, Width);
                    v2.StoreUnsafe(ref o, 2 * Width);
                    v3.StoreUnsafe(ref o, 3 * Width);
                    v4.StoreUnsafe(ref o, 4 * Width);
                    v5.StoreUnsafe(ref o, 5 * Width);
                    v6.StoreUnsafe(ref o, 6 * Width);
                    v7.StoreUnsafe(ref o, 7 * Width);
                }
                for (; d < dim; d++)
                    for (int t = j; t < j + 8; t++) dst[d * Width + t] = src[start + t * stride + d];
            }
        }
        for (; j < count; j++)
        {
            var row = src.AsSpan(start + j * stride, dim);
            for (int d = 0; d < dim; d++) dst[d * Width + j] = row[d];
        }
    }

    /// <summary>dst[start + j·stride + d] += packed[d·Width + j] for j &lt; count (the inverse of <see cref="PackTransposed"/>, accumulating).</summary>
    public static void AddUnpacked(ReadOnlySpan<float> packed, int count, int dim, float[] dst, int start, int stride)
    {
        for (int j = 0; j < count; j++)
        {
            var row = dst.AsSpan(start + j * stride, dim);
            for (int d = 0; d < dim; d++) row[d] += packed[d * Width + j];
        }
    }

    /// <summary>out[j] = Σ_d a[d]·packed[d·Width + j] for all Width lanes (a: one row, packed: a transposed block).</summary>
    public static void RowTimesPacked(ReadOnlySpan<float> a, ReadOnlySpan<float> packed, Span<float> output)
    {
        if (packed.Length < a.Length * Width || output.Length < Width) throw new ArgumentException("attention: block too short");
        ref float p = ref MemoryMarshal.GetReference(packed);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int d = 0; d < a.Length; d++)
        {
            var x = Vector256.Create(a[d]);
            nuint at = (nuint)(d * Width);
            c0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at), c0);
            c1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at + 8), c1);
            c2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at + 16), c2);
            c3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at + 24), c3);
            c4 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at + 32), c4);
            c5 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at + 40), c5);
            c6 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at + 48), c6);
            c7 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref p, at + 56), c7);
        }
        ref float o = ref MemoryMarshal.GetReference(output);
        c0.StoreUnsafe(ref o, 0);
        c1.StoreUnsafe(ref o, 8);
        c2.StoreUnsafe(ref o, 16);
        c3.StoreUnsafe(ref o, 24);
        c4.StoreUnsafe(ref o, 32);
        c5.StoreUnsafe(ref o, 40);
        c6.StoreUnsafe(ref o, 48);
        c7.StoreUnsafe(ref o, 56);
    }

    /// <summary>packed[d·Width + j] += a[d]·w[j] for all Width lanes: a rank-1 update of a transposed block.</summary>
    public static void AddOuter(ReadOnlySpan<float> a, ReadOnlySpan<float> w, Span<float> packed)
    {
        if (packed.Length < a.Length * Width || w.Length < Width) throw new ArgumentException("attention: block too short");
        ref float wr = ref MemoryMarshal.GetReference(w);
        Vector256<float> w0 = Vector256.LoadUnsafe(ref wr, 0), w1 = Vector256.LoadUnsafe(ref wr, 8), w2 = Vector256.LoadUnsafe(ref wr, 16),
            w3 = Vector256.LoadUnsafe(ref wr, 24), w4 = Vector256.LoadUnsafe(ref wr, 32), w5 = Vector256.LoadUnsafe(ref wr, 40),
            w6 = Vector256.LoadUnsafe(ref wr, 48), w7 = Vector256.LoadUnsafe(ref wr, 56);
        ref float p = ref MemoryMarshal.GetReference(packed);
        for (int d = 0; d < a.Length; d++)
        {
            var x = Vector256.Create(a[d]);
            ref float row = ref Unsafe.Add(ref p, d * Width);
            Vector256.FusedMultiplyAdd(x, w0, Vector256.LoadUnsafe(ref row, 0)).StoreUnsafe(ref row, 0);
            Vector256.FusedMultiplyAdd(x, w1, Vector256.LoadUnsafe(ref row, 8)).StoreUnsafe(ref row, 8);
            Vector256.FusedMultiplyAdd(x, w2, Vector256.LoadUnsafe(ref row, 16)).StoreUnsafe(ref row, 16);
            Vector256.FusedMultiplyAdd(x, w3, Vector256.LoadUnsafe(ref row, 24)).StoreUnsafe(ref row, 24);
            Vector256.FusedMultiplyAdd(x, w4, Vector256.LoadUnsafe(ref row, 32)).StoreUnsafe(ref row, 32);
            Vector256.FusedMultiplyAdd(x, w5, Vector256.LoadUnsafe(ref row, 40)).StoreUnsafe(ref row, 40);
            Vector256.FusedMultiplyAdd(x, w6, Vector256.LoadUnsafe(ref row, 48)).StoreUnsafe(ref row, 48);
            Vector256.FusedMultiplyAdd(x, w7, Vector256.LoadUnsafe(ref row, 56)).StoreUnsafe(ref row, 56);
        }
    }

    /// <summary>
    /// acc[·] += Σ_{j &lt; count} w[j]·rows[start + j·stride + ·] (acc: one row of length dim). 32 output
    /// lanes at a time in 4 registers, two key chains each, so the FMAs do not wait on one another.
    /// </summary>
    public static void AddWeightedRows(ReadOnlySpan<float> w, int count, float[] rows, int start, int stride, Span<float> acc)
    {
        int dim = acc.Length, c = 0;
        if (count > w.Length || count > 0 && (start < 0 || (long)start + (long)(count - 1) * stride + dim > rows.Length))
            throw new ArgumentException("attention: rows out of range");
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(rows);
        ref float a0 = ref MemoryMarshal.GetReference(acc);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        for (; c + 32 <= dim; c += 32)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
            int j = 0;
            for (; j + 2 <= count; j += 2)
            {
                ref float ra = ref Unsafe.Add(ref r0, start + j * stride + c);
                ref float rb = ref Unsafe.Add(ref ra, stride);
                var wa = Vector256.Create(Unsafe.Add(ref w0, j));
                var wb = Vector256.Create(Unsafe.Add(ref w0, j + 1));
                s0 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 0), s0);
                s1 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 8), s1);
                s2 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 16), s2);
                s3 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 24), s3);
                t0 = Vector256.FusedMultiplyAdd(wb, Vector256.LoadUnsafe(ref rb, 0), t0);
                t1 = Vector256.FusedMultiplyAdd(wb, Vector256.LoadUnsafe(ref rb, 8), t1);
                t2 = Vector256.FusedMultiplyAdd(wb, Vector256.LoadUnsafe(ref rb, 16), t2);
                t3 = Vector256.FusedMultiplyAdd(wb, Vector256.LoadUnsafe(ref rb, 24), t3);
            }
            if (j < count)
            {
                ref float ra = ref Unsafe.Add(ref r0, start + j * stride + c);
                var wa = Vector256.Create(Unsafe.Add(ref w0, j));
                s0 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 0), s0);
                s1 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 8), s1);
                s2 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 16), s2);
                s3 = Vector256.FusedMultiplyAdd(wa, Vector256.LoadUnsafe(ref ra, 24), s3);
            }
            ref float ac = ref Unsafe.Add(ref a0, c);
            (Vector256.LoadUnsafe(ref ac, 0) + s0 + t0).StoreUnsafe(ref ac, 0);
            (Vector256.LoadUnsafe(ref ac, 8) + s1 + t1).StoreUnsafe(ref ac, 8);
            (Vector256.LoadUnsafe(ref ac, 16) + s2 + t2).StoreUnsafe(ref ac, 16);
            (Vector256.LoadUnsafe(ref ac, 24) + s3 + t3).StoreUnsafe(ref ac, 24);
        }
        for (; c + 8 <= dim; c += 8)
        {
            Vector256<float> s0 = default, t0 = default;
            int j = 0;
            for (; j + 2 <= count; j += 2)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, j)), Vector256.LoadUnsafe(ref r0, (nuint)(start + j * stride + c)), s0);
                t0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, j + 1)), Vector256.LoadUnsafe(ref r0, (nuint)(start + (j + 1) * stride + c)), t0);
            }
            if (j < count)
                s0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref w0, j)), Vector256.LoadUnsafe(ref r0, (nuint)(start + j * stride + c)), s0);
            (Vector256.LoadUnsafe(ref a0, (nuint)c) + s0 + t0).StoreUnsafe(ref a0, (nuint)c);
        }
        for (; c < dim; c++)
        {
            float sum = 0f;
            for (int j = 0; j < count; j++) sum += w[j] * rows[start + j * stride + c];
            acc[c] += sum;
        }
    }

    /// <summary>
    /// One row's softmax step over a block: s[j] ← s[j]·scale for j &lt; count (lanes past count read −∞),
    /// the block max folded into the running max <paramref name="m"/>; when it is finite, s[j] ← exp(s[j] − m)
    /// (0 past count) and the block's sum is returned with the factor exp(m_old − m) the earlier
    /// terms must be scaled by. Returns false (nothing to add) while every score so far is −∞.
    /// </summary>
    public static bool ExpBlock(Span<float> s, int count, float scale, ref float m, out float blockSum, out float rescale)
    {
        if (s.Length < Width) throw new ArgumentException("attention: block too short");
        ref float r = ref MemoryMarshal.GetReference(s);
        var vs = Vector256.Create(scale);
        var lane = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
        var ninf = Vector256.Create(float.NegativeInfinity);
        var max = ninf;
        for (int k = 0; k < Width; k += 8)
        {
            var v = Vector256.LoadUnsafe(ref r, (nuint)k) * vs;
            v = Vector256.ConditionalSelect(Vector256.LessThan(lane + Vector256.Create((float)k), Vector256.Create((float)count)), v, ninf);
            v.StoreUnsafe(ref r, (nuint)k);
            max = Vector256.Max(max, v);
        }
        var half = Vector128.Max(max.GetLower(), max.GetUpper());
        float blockMax = MathF.Max(MathF.Max(half[0], half[1]), MathF.Max(half[2], half[3]));
        float mNew = MathF.Max(m, blockMax);
        blockSum = 0f;
        rescale = 1f;
        if (mNew == float.NegativeInfinity) return false;
        if (mNew != m) rescale = MathF.Exp(m - mNew);
        m = mNew;
        var vm = Vector256.Create(mNew);
        var sum = Vector256<float>.Zero;
        for (int k = 0; k < Width; k += 8)
        {
            var p = Vector256.Exp(Vector256.LoadUnsafe(ref r, (nuint)k) - vm);   // exp(−∞) = 0 past count
            p.StoreUnsafe(ref r, (nuint)k);
            sum += p;
        }
        blockSum = Vector256.Sum(sum);
        return true;
    }

    /// <summary>p[j] ← exp(s[j]·scale − lse) for j &lt; count, 0 past count: a row's probabilities recomputed from its log-sum-exp.</summary>
    public static void ProbabilityBlock(Span<float> s, int count, float scale, float lse)
    {
        if (s.Length < Width) throw new ArgumentException("attention: block too short");
        ref float r = ref MemoryMarshal.GetReference(s);
        var vs = Vector256.Create(scale);
        var vl = Vector256.Create(lse);
        var lane = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7);
        for (int k = 0; k < Width; k += 8)
        {
            var p = Vector256.Exp(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r, (nuint)k), vs, -vl));
            Vector256.ConditionalSelect(Vector256.LessThan(lane + Vector256.Create((float)k), Vector256.Create((float)count)), p, Vector256<float>.Zero)
                .StoreUnsafe(ref r, (nuint)k);
        }
    }

    /// <summary>dS[j] ← p[j]·(dP[j] − δ)·scale over all Width lanes (in place in dP; p = 0 past a row's keys gives 0).</summary>
    public static void GradScoreBlock(Span<float> dp, ReadOnlySpan<float> p, float delta, float scale)
    {
        if (dp.Length < Width || p.Length < Width) throw new ArgumentException("attention: block too short");
        ref float d = ref MemoryMarshal.GetReference(dp);
        ref float pr = ref MemoryMarshal.GetReference(p);
        var vd = Vector256.Create(delta);
        var vs = Vector256.Create(scale);
        for (int k = 0; k < Width; k += 8)
            ((Vector256.LoadUnsafe(ref d, (nuint)k) - vd) * Vector256.LoadUnsafe(ref pr, (nuint)k) * vs).StoreUnsafe(ref d, (nuint)k);
    }
}
