using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Weight-only int8 embedding lookup: y[i, j] = scale[id_i] · w[id_i, j] for ids [count] (Int32,
// checked in range by the caller), w [N, K] int8 row-major (CpuInt8Rows /
// GpuInt8Weight), y [count, K] dense. CPU: one row per item, parallel over ids; GPU: one thread
// per output element. Oracle: tests/DeepNet.Tests/Kernels/Fused/QuantizedEmbeddingTests.

/// <summary>Arguments of one int8 row lookup.</summary>
public readonly record struct QuantizedEmbedding(DeviceBuffer Ids, long IdsOffset, int Count, PackedInt8Weight Weight, DeviceBuffer Y) : IFusedOp
{
    public string Name => "quantized_embedding";

    public void RunCpu(CpuBackend cpu)
    {
        var w = (CpuInt8Rows)Weight;
        // A copy of this call's ids (a span cannot enter the parallel body; ids are few next to the output).
        int[] ids = CpuBackend.Cpu(Ids).Storage<int>().Slice((int)IdsOffset, Count).ToArray();
        float[] ys = CpuBackend.Data(Y);
        int k = w.K;
        CpuBackend.For(Count, (lo, hi) =>
        {
            for (long i = lo; i < hi; i++)
            {
                int id = ids[i];
                float scale = w.Scales[id];
                var row = w.Values.AsSpan(id * k, k);
                var dst = ys.AsSpan((int)(i * k), k);
                for (int j = 0; j < k; j++) dst[j] = scale * row[j];
            }
        }, k);
    }

    public void RunGpu(GpuBackend gpu)
    {
        var w = (GpuInt8Weight)Weight;
        long size = (long)Count * w.K;
        if (size == 0) return;
        var kernel = gpu.FusedKernel(typeof(QuantizedEmbedding), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<int>, ArrayView<sbyte>, View, View>(Kernel));
        kernel(gpu.Count(size), (int)IdsOffset, w.K, gpu.ViewOf<int>(Ids), w.Values, w.ScalesView, gpu.View(Y));
    }

    // y[i] = scale[id] · w[id, j] with (item, j) = (i / K, i mod K), id = ids[i0 + item]
    private static void Kernel(Index1D i, int i0, int k, ArrayView<int> ids, ArrayView<sbyte> w, View scales, View y)
    {
        int id = ids[i0 + i / k];
        y[i] = scales[id] * w[id * k + i % k];
    }
}
