namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape math of the fused scaled-dot-product attention (torch.nn.functional.scaled_dot_product_attention)
/// on 4-d operands: q [N, H, L, D], k [N, H, S, D], v [N, H, S, Dv], each with any strides but a unit
/// last-dim stride (offsets and strides in elements here); up to two additive masks read as
/// [N, H, L, S] (stride 0 where broadcast): <c>Mask</c> (attn_mask) and <c>Padding</c> (a key padding
/// mask); <see cref="Causal"/> lets query i see keys j ≤ i (torch's top-left tril). Output
/// [N, L, H, Dv] dense (so [N, L, H·Dv] is a free view), log-sum-exp [N, H, L] dense.
/// A plain struct: it is a GPU kernel argument; built and validated by autograd.
/// </summary>
public struct AttentionGeometry
{
    public int N, H, L, S, D, Dv;
    public float Scale;

    /// <summary>1: query i attends keys j ≤ i only. HasMask / HasPadding: 1 when that mask is read.</summary>
    public int Causal, HasMask, HasPadding;

    /// <summary>
    /// Attention dropout: probability p (0 = none) and the counter-based stream (seed, first counter)
    /// of the uniforms that Rand([N, H, L, S]) would draw, so weight (n, h, i, j) is kept when
    /// Uniform(seed, counter + ((n·H + h)·L + i)·S + j) ≥ p and then scaled by KeepScale = 1/(1 − p).
    /// </summary>
    public float Dropout, KeepScale;
    public ulong Seed, Counter;

    public int Q0, QN, QH, QL;
    public int K0, KN, KH, KS;
    public int V0, VN, VH, VS;
    public int M0, MN, MH, ML, MS;
    public int P0, PN, PH, PL, PS;

    public readonly int QAt(int n, int h, int i) => Q0 + n * QN + h * QH + i * QL;
    public readonly int KAt(int n, int h, int j) => K0 + n * KN + h * KH + j * KS;
    public readonly int VAt(int n, int h, int j) => V0 + n * VN + h * VH + j * VS;

    /// <summary>Start of output row (n, i, h): o is [N, L, H, Dv] dense.</summary>
    public readonly int OAt(int n, int h, int i) => ((n * L + i) * H + h) * Dv;

    /// <summary>Position of (n, h, i) in the dense [N, H, L] row statistics.</summary>
    public readonly int RowAt(int n, int h, int i) => (n * H + h) * L + i;

    /// <summary>Keys query i may see: S, or i + 1 (at most S) when causal.</summary>
    public readonly int KeyEnd(int i) => Causal != 0 ? (i + 1 < S ? i + 1 : S) : S;

    public readonly long Rows => (long)N * H * L;

    /// <summary>The dropout factor of weight (n, h, i, j): 0 (dropped) or KeepScale; 1 without dropout.</summary>
    public readonly float DropFactor(int n, int h, int i, int j)
    {
        if (Dropout == 0f) return 1f;
        return CounterRandom.Uniform(Seed, DropCounter(n, h, i, j)) >= Dropout ? KeepScale : 0f;
    }

    /// <summary>The stream counter of weight (n, h, i, j); consecutive along j.</summary>
    public readonly ulong DropCounter(int n, int h, int i, int j) => Counter + (ulong)((((long)n * H + h) * L + i) * S + j);

    /// <summary>The strides and offset of a mask layout broadcast to [N, H, L, S], or a throw naming the op and shapes.</summary>
    public static (int Offset, int N, int H, int L, int S) MaskStrides(string op, string name, StridedLayout mask, int n, int h, int l, int s)
    {
        int[] target = [n, h, l, s];
        int extra = 4 - mask.Rank;
        bool fits = extra >= 0;
        for (int d = 0; fits && d < mask.Rank; d++)
            fits = mask.Shape[d] == target[d + extra] || mask.Shape[d] == 1;
        if (!fits)
            throw new ArgumentException($"{op}: {name} {ShapeMath.Format(mask.Shape)} does not broadcast to the scores [N, H, L, S] = {ShapeMath.Format(target)}");
        var b = ShapeMath.BroadcastTo(mask, target).Strides;
        return (mask.Offset, b[0], b[1], b[2], b[3]);
    }
}
