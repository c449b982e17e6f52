using ILGPU;
using ILGPU.Runtime;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Int8 weights [N, K] on a GPU: the values row-major (no packing: the kernel reads one row per
/// output channel), per-channel scales and column sums Σ_k w[n, k]. Oracle: GpuInt8Tests.
/// </summary>
public sealed class GpuInt8Weight : PackedInt8Weight
{
    private MemoryBuffer1D<sbyte, Stride1D.Dense>? _values;
    private MemoryBuffer1D<int, Stride1D.Dense>? _columnSums;
    private MemoryBuffer1D<float, Stride1D.Dense>? _scales;

    internal GpuInt8Weight(GpuBackend gpu, ReadOnlySpan<sbyte> values, int n, int k, float[] scales) : base(gpu, n, k, scales)
    {
        if (n <= 0 || k <= 0 || (long)n * k != values.Length)
            throw new ArgumentException($"int8 gemm: weight of {values.Length} values is not [N={n}, K={k}] with N, K > 0");
        var sums = new int[n];
        for (int j = 0; j < n; j++)
            foreach (sbyte v in values.Slice(j * k, k)) sums[j] += v;
        _values = gpu.Upload(values);
        _columnSums = gpu.Upload<int>(sums);
        _scales = gpu.Upload<float>(scales);
    }

    internal ArrayView<sbyte> Values => Live(_values).View;
    internal ArrayView<int> ColumnSums => Live(_columnSums).View;
    internal ArrayView<float> ScalesView => Live(_scales).View;

    public override void Dispose()
    {
        _values?.Dispose();
        _columnSums?.Dispose();
        _scales?.Dispose();
        (_values, _columnSums, _scales) = (null, null, null);
        base.Dispose();
    }

    private T Live<T>(T? buffer) where T : class => buffer ?? throw new ObjectDisposedException(nameof(GpuInt8Weight));
}
