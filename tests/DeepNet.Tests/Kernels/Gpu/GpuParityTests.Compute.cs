using DeepNet.Kernels;
using DeepNet.Kernels.Gpu;
using Xunit;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tests.Kernels.Gpu;

// Reductions, matmul, im2col, gather parity, and the shared helpers.
public abstract partial class GpuParityTests
{
    [ParityFact]
    public void Reduce_MatchesCpu_OverAnyDims()
    {
        int[] shape = [5, 7, 33];
        var (cs, gs) = Pair(Values(5 * 7 * 33));
        var dense = StridedLayout.Contiguous(shape);
        var permuted = new StridedLayout(shape, [1, 5, 35], 0);   // buffer holds [33, 7, 5]
        foreach (var src in new[] { dense, permuted })
        foreach (int[] dst in new[] { new[] { 1, 7, 33 }, [5, 1, 33], [5, 7, 1], [1, 7, 1], [1, 1, 1] })
        foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Max })
            CheckReduce(kind, cs, gs, src, dst);
    }

    [ParityFact]
    public void Reduce_MatchesCpu_OnLongRowsThroughTheBlockKernel()
    {
        int[] shape = [3, GpuBackendLongRow];
        var (cs, gs) = Pair(Values(3 * GpuBackendLongRow));
        foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Max })
        {
            CheckReduce(kind, cs, gs, StridedLayout.Contiguous(shape), [3, 1]);
            CheckReduce(kind, cs, gs, StridedLayout.Contiguous(shape), [1, 1]);
        }
    }

    [ParityFact]
    public void ArgMax_MatchesCpu_AlongEachDim()
    {
        int[] shape = [7, 33];
        var (cs, gs) = Pair(Values(7 * 33));
        foreach (var src in new[] { StridedLayout.Contiguous(shape), new StridedLayout(shape, [1, 7], 0) })
        for (int dim = 0; dim < 2; dim++)
        {
            int[] dstShape = dim == 0 ? [1, 33] : [7, 1];
            var (cd, gd) = Pair(new float[ShapeMath.Size(dstShape)]);
            var dst = StridedLayout.Contiguous(dstShape);
            Cpu.ArgMax(cs, src, dim, cd, dst);
            Gpu.ArgMax(gs, src, dim, gd, dst);
            Assert.Equal(Read(Cpu, cd), Read(Gpu, gd));
        }
    }

    [ParityFact]
    public void MatMul_MatchesCpu_AtAwkwardSizesAndStrides()
    {
        CheckMatMul(1, 1, 1, 1, transA: false, transB: false, broadcastB: false, accumulate: false);
        CheckMatMul(1, 7, 33, 65, transA: false, transB: false, broadcastB: false, accumulate: false);
        CheckMatMul(1, 65, 7, 33, transA: true, transB: false, broadcastB: false, accumulate: true);
        CheckMatMul(2, 33, 65, 7, transA: false, transB: true, broadcastB: true, accumulate: false);
        CheckMatMul(3, 7, 1, 9, transA: true, transB: true, broadcastB: false, accumulate: true);
    }

    [ParityFact]
    public void Im2ColAndCol2Im_MatchCpu_WithStridePaddingAndDilation()
    {
        var g = new Conv2DGeometry(N: 2, C: 3, H: 7, W: 6, R: 3, S: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 0, DilationH: 1, DilationW: 2);
        int xSize = g.N * g.C * g.H * g.W, colSize = g.N * g.ColumnRows * g.ColumnCols;
        var (cx, gx) = Pair(Values(xSize));
        var (cc, gc) = Pair(new float[colSize]);
        Cpu.Im2Col(cx, g, cc, -1f);
        Gpu.Im2Col(gx, g, gc, -1f);
        AssertSame(cc, gc, "im2col");
        var (cg, gg) = Pair(Values(colSize));
        Cpu.Col2Im(cg, g, cx);
        Gpu.Col2Im(gg, g, gx);
        AssertSame(cx, gx, "col2im");
    }

    [ParityFact]
    public void GatherAndScatterAdd_MatchCpu_AlongEachDim()
    {
        int[] srcShape = [5, 7];
        var (cs, gs) = Pair(Values(35));
        foreach (int dim in new[] { 0, 1 })
        {
            int[] indexShape = dim == 0 ? [9, 7] : [5, 9];
            int limit = srcShape[dim], n = 63;
            var index = Enumerable.Range(0, n).Select(_ => (float)_rng.Next(limit)).ToArray();   // repeats: scatter collisions
            var (ci, gi) = Pair(index);
            var (cd, gd) = Pair(new float[n]);
            var indexLayout = StridedLayout.Contiguous(indexShape);
            var srcLayout = StridedLayout.Contiguous(srcShape);
            Cpu.Gather(cs, srcLayout, dim, ci, indexLayout, cd, indexLayout);
            Gpu.Gather(gs, srcLayout, dim, gi, indexLayout, gd, indexLayout);
            AssertSame(cd, gd, $"gather dim {dim}");
            var (ca, ga) = Pair(Values(35));
            Cpu.ScatterAdd(cd, indexLayout, dim, ci, indexLayout, ca, srcLayout);
            Gpu.ScatterAdd(gd, indexLayout, dim, gi, indexLayout, ga, srcLayout);
            AssertSame(ca, ga, $"scatter_add dim {dim}", 1e-4f);
        }
    }

    [ParityFact]
    public void Gather_ReportsTheBadIndexAtTheNextSync_AndRecovers()
    {
        var (_, gs) = Pair(Values(10));
        var (_, bad) = Pair([1f, 10f]);
        var (_, good) = Pair([9f, 0f]);
        var (_, gd) = Pair(new float[2]);
        var src = StridedLayout.Contiguous([10]);
        var idx = StridedLayout.Contiguous([2]);
        // Queued without a host round trip; the check travels with the next sync.
        long syncs = Gpu.Counters.HostSyncs;
        Gpu.Gather(gs, src, 0, bad, idx, gd, idx);
        Assert.Equal(syncs, Gpu.Counters.HostSyncs);
        var e = Assert.Throws<ArgumentException>(() => Gpu.Synchronize());
        Assert.Contains("gather: index 10 is out of range for a dim of size 10", e.Message);
        Gpu.Gather(gs, src, 0, good, idx, gd, idx);
        var s = Read(Gpu, gs);
        Assert.Equal(new[] { s[9], s[0] }, Read(Gpu, gd));
    }

    [ParityFact]
    public void ScatterAdd_ReportsTheBadIndexWhenAValueIsRead()
    {
        var (_, gs) = Pair([1f, 2f]);
        var (_, bad) = Pair([0f, -3f]);
        var (_, gd) = Pair(new float[4]);
        var idx = StridedLayout.Contiguous([2]);
        Gpu.ScatterAdd(gs, idx, 0, bad, idx, gd, StridedLayout.Contiguous([4]));
        var e = Assert.Throws<ArgumentException>(() => Read(Gpu, gd));
        Assert.Contains("scatter_add: index -3 is out of range for a dim of size 4", e.Message);
        Assert.Equal(new[] { 1f, 0f, 0f, 0f }, Read(Gpu, gd));
    }

    private const int GpuBackendLongRow = 1100;

    private void CheckReduce(ReduceKind kind, DeviceBuffer cs, DeviceBuffer gs, StridedLayout src, int[] dstShape)
    {
        var (cd, gd) = Pair(new float[ShapeMath.Size(dstShape)]);
        var dst = StridedLayout.Contiguous(dstShape);
        Cpu.Reduce(kind, cs, src, cd, dst);
        Gpu.Reduce(kind, gs, src, gd, dst);
        AssertSame(cd, gd, $"{kind} {src} -> {ShapeMath.Format(dstShape)}", 1e-4f);
    }

    private void CheckMatMul(int batch, int m, int k, int n, bool transA, bool transB, bool broadcastB, bool accumulate,
        GemmVariant variant = GemmVariant.Auto, int aOffset = 0)
    {
        // Inputs exactly representable in TF32, so every variant (the TF32 one too) must match the fp32 CPU product.
        // (bfloat16-representable ones for the BF16 kernel).
        Func<float[], float[]> round = variant == GemmVariant.Bf16 ? Bf16 : Tf32;
        var (ca, ga) = Pair(round(Values(aOffset + batch * m * k)));
        var (cb, gb) = Pair(round(Values(k * n * (broadcastB ? 1 : batch))));
        var (cc, gc) = Pair(Values(batch * m * n));
        // a stored [B, K, M] when transposed; b stored [K, N] (or [N, K]) once when broadcast over the batch.
        var aLayout = transA ? new StridedLayout([batch, m, k], [m * k, 1, m], aOffset) : new StridedLayout([batch, m, k], [m * k, k, 1], aOffset);
        int bBatch = broadcastB ? 0 : k * n;
        var bLayout = transB ? new StridedLayout([batch, k, n], [bBatch, 1, k], 0) : new StridedLayout([batch, k, n], [bBatch, n, 1], 0);
        var cLayout = StridedLayout.Contiguous([batch, m, n]);
        Cpu.MatMul(ca, aLayout, cb, bLayout, cc, cLayout, accumulate);
        Gpu.MatMul(ga, aLayout, gb, bLayout, gc, cLayout, accumulate, variant);
        AssertSame(cc, gc, $"matmul {variant} B{batch} {m}x{k}x{n} tA={transA} tB={transB} acc={accumulate} offset={aOffset}", 1e-4f);
    }

    /// <summary>Rounds to TF32 (nearest, ties away), as the tensor-core kernel does.</summary>
    private static float[] Tf32(float[] values) =>
        values.Select(v => BitConverter.UInt32BitsToSingle((BitConverter.SingleToUInt32Bits(v) + 0x1000u) & 0xFFFFE000u)).ToArray();

    /// <summary>Rounds to bfloat16 (nearest even), as the BF16 tensor-core kernel does.</summary>
    private static float[] Bf16(float[] values) =>
        values.Select(v => (float)(DeepNet.Kernels.BFloat16)v).ToArray();

    private float[] Values(int n, float lo = -2f, float hi = 2f) =>
        Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * _rng.NextSingle()).ToArray();

    private DeviceBuffer Track(DeviceBuffer buffer)
    {
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>The same data in a fresh buffer on each backend.</summary>
    private (DeviceBuffer Cpu, DeviceBuffer Gpu) Pair(float[] data)
    {
        var c = Track(Cpu.Allocate(data.Length));
        var g = Track(Gpu.Allocate(data.Length));
        Cpu.CopyFromHost(data, c, 0);
        Gpu.CopyFromHost(data, g, 0);
        return (c, g);
    }

    private static float[] Read(IBackend backend, DeviceBuffer buffer)
    {
        var result = new float[buffer.Length];
        backend.CopyToHost(buffer, 0, result);
        return result;
    }

    private void AssertSame(DeviceBuffer cpu, DeviceBuffer gpu, string what, float tolerance = Tolerance)
    {
        float[] expected = Read(Cpu, cpu), actual = Read(Gpu, gpu);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = (float.IsNaN(e) && float.IsNaN(a)) || e == a || MathF.Abs(e - a) <= tolerance * (1f + MathF.Abs(e));
            Assert.True(ok, $"{what} on {Gpu.Name}: element {i} is {a}, cpu has {e}");
        }
    }
}
