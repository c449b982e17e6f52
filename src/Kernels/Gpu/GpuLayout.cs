using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// A <see cref="StridedLayout"/> as an unmanaged kernel argument: up to <see cref="MaxRank"/>
/// dims held in scalar fields (ILGPU kernels take no arrays), innermost dim first so the
/// common rank-1 case stops after one step. Build it from a coalesced layout.
/// </summary>
public struct GpuLayout
{
    /// <summary>Most dims a layout may keep after coalescing.</summary>
    public const int MaxRank = 8;

    public int Rank, Offset;
    public int S0, S1, S2, S3, S4, S5, S6, S7;   // sizes, S0 innermost
    public int T0, T1, T2, T3, T4, T5, T6, T7;   // strides in elements, T0 innermost

    /// <summary>Packs a layout of rank ≤ 8 (after coalescing); throws naming the op otherwise.</summary>
    public static GpuLayout From(StridedLayout layout, string op = "gpu")
    {
        if (layout.Rank > MaxRank)
            throw new ArgumentException($"{op}: layout {layout} has rank {layout.Rank} after merging dims; the GPU kernels take at most {MaxRank}");
        var g = new GpuLayout { Rank = layout.Rank, Offset = layout.Offset };
        Span<int> sizes = stackalloc int[MaxRank];
        Span<int> strides = stackalloc int[MaxRank];
        sizes.Fill(1);
        strides.Clear();
        for (int d = 0; d < layout.Rank; d++)
        {
            sizes[layout.Rank - 1 - d] = layout.Shape[d];
            strides[layout.Rank - 1 - d] = layout.Strides[d];
        }
        (g.S0, g.S1, g.S2, g.S3, g.S4, g.S5, g.S6, g.S7) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5], sizes[6], sizes[7]);
        (g.T0, g.T1, g.T2, g.T3, g.T4, g.T5, g.T6, g.T7) = (strides[0], strides[1], strides[2], strides[3], strides[4], strides[5], strides[6], strides[7]);
        return g;
    }

    /// <summary>Coalesces the layouts together (they share one shape) and packs each.</summary>
    public static GpuLayout[] Coalesced(string op, params StridedLayout[] layouts)
    {
        var (_, merged) = LayoutCoalescer.Coalesce(layouts);
        var result = new GpuLayout[merged.Length];
        for (int k = 0; k < merged.Length; k++) result[k] = From(merged[k], op);
        return result;
    }

    /// <summary>Flat position of the element with row-major linear index <paramref name="linear"/>.</summary>
    public readonly int OffsetOf(int linear)
    {
        // Written out dim by dim: ILGPU 1.5.3 does not unroll loops and kernels cannot index fields.
        int pos = Offset + linear % S0 * T0;
        if (Rank <= 1) return pos;
        linear /= S0;
        pos += linear % S1 * T1;
        if (Rank == 2) return pos;
        linear /= S1;
        pos += linear % S2 * T2;
        if (Rank == 3) return pos;
        linear /= S2;
        pos += linear % S3 * T3;
        if (Rank == 4) return pos;
        linear /= S3;
        pos += linear % S4 * T4;
        if (Rank == 5) return pos;
        linear /= S4;
        pos += linear % S5 * T5;
        if (Rank == 6) return pos;
        linear /= S5;
        pos += linear % S6 * T6;
        if (Rank == 7) return pos;
        linear /= S6;
        return pos + linear % S7 * T7;
    }
}
