namespace DeepNet.Kernels.Cpu;

// The weight operand of the int8 GEMM, packed once (at quantization or load time) for one path.
// w: [N, K] int8 row-major (one row per output channel). Packed: panels of NR columns, each
// [ceil(K/G) words][NR] where a 32-bit word holds G consecutive k of one column: two int16
// (vpmaddwd paths) or four int8 (vpdpbusd); zero past N and K, so edge panels need no branch.
// Column sums Σ_k w[n, k] let the caller remove the activation zero point:
// Σ_k (a − z)·w = Σ_k a·w − z·Σ_k w. Oracle: CpuInt8GemmTests.

/// <summary>Int8 weights [N, K] packed for <see cref="CpuInt8Gemm"/>, with their column sums.</summary>
public sealed class CpuInt8Weight : PackedInt8Weight
{
    /// <summary>Packs <paramref name="w"/> ([N, K] row-major int8) for <paramref name="path"/>.</summary>
    public CpuInt8Weight(ReadOnlySpan<sbyte> w, int n, int k, Int8GemmPath path, float[]? scales = null)
        : base(CpuBackend.Instance, n, k, scales ?? Enumerable.Repeat(1f, Math.Max(n, 0)).ToArray())
    {
        if (n <= 0 || k <= 0 || (long)n * k != w.Length)
            throw new ArgumentException($"int8 gemm: weight of {w.Length} values is not [N={n}, K={k}] with N, K > 0");
        if (k > CpuInt8Gemm.MaxK)
            throw new ArgumentException($"int8 gemm: K={k} exceeds {CpuInt8Gemm.MaxK}, beyond which int32 accumulation of 255·127 products may overflow");
        if (!Int8GemmPaths.IsSupported(path))
            throw new PlatformNotSupportedException($"int8 gemm: this CPU has no {path} instructions");
        Path = path;
        Nr = Int8GemmPaths.PanelWidth(path);
        int g = Int8GemmPaths.Group(path);
        Groups = (k + g - 1) / g;
        Panels = (n + Nr - 1) / Nr;
        Packed = GC.AllocateArray<int>(Panels * Groups * Nr + 16, pinned: true);
        ColumnSums = new int[n];
        for (int j = 0; j < n; j++)
        {
            int sum = 0;
            foreach (sbyte v in w.Slice(j * k, k)) sum += v;
            ColumnSums[j] = sum;
        }
        for (int p = 0; p < Panels; p++)
            for (int grp = 0; grp < Groups; grp++)
                for (int c = 0; c < Nr; c++)
                {
                    int col = p * Nr + c, word = 0;
                    for (int t = 0; t < g && col < n; t++)
                    {
                        int kk = grp * g + t;
                        if (kk >= k) break;
                        int v = w[col * k + kk];
                        word |= g == 2 ? (v & 0xFFFF) << (16 * t) : (v & 0xFF) << (8 * t);
                    }
                    Packed[(p * Groups + grp) * Nr + c] = word;
                }
    }

    public Int8GemmPath Path { get; }

    /// <summary>Σ_k w[n, k] per output channel.</summary>
    public int[] ColumnSums { get; }

    internal int Nr { get; }
    internal int Groups { get; }
    internal int Panels { get; }

    /// <summary>Panels of [Groups][Nr] words (pinned).</summary>
    internal int[] Packed { get; }
}
