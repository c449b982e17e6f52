namespace DeepNet.Kernels.Cpu;

/// <summary>
/// An int8 table [N, K] kept row-major (no GEMM packing) with one scale per row: the weight of a
/// quantized embedding, read a row at a time. Oracle: QuantizedEmbeddingTests.
/// </summary>
public sealed class CpuInt8Rows : PackedInt8Weight
{
    public CpuInt8Rows(ReadOnlySpan<sbyte> values, int n, int k, float[] scales) : base(CpuBackend.Instance, n, k, scales)
    {
        if (n <= 0 || k <= 0 || (long)n * k != values.Length)
            throw new ArgumentException($"int8 rows: {values.Length} values are not [N={n}, K={k}] with N, K > 0");
        Values = values.ToArray();
    }

    /// <summary>The codes, [N, K] row-major.</summary>
    public sbyte[] Values { get; }
}
