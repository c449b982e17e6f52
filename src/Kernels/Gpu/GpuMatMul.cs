using ILGPU;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

// Batched matmul launcher. Kernels: GpuMatMulKernels. Oracle: GpuParityTests.
public sealed partial class GpuBackend
{
    public void MatMul(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout, bool accumulate = false)
    {
        var ma = new BatchedMatrix(aLayout);
        var mb = new BatchedMatrix(bLayout);
        var mc = new BatchedMatrix(cLayout);
        if (ma.Cols != mb.Rows || mc.Rows != ma.Rows || mc.Cols != mb.Cols || ma.Count != mb.Count || mc.Count != ma.Count)
            throw new ArgumentException($"matmul: a {aLayout}, b {bLayout} and c {cLayout} do not form a batched product");
        int m = ma.Rows, k = ma.Cols, n = mb.Cols;
        if (mc.Count == 0 || m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) Fill(c, cLayout, 0f);
            return;
        }
        var batches = GpuLayout.Coalesced("matmul", BatchOf(aLayout), BatchOf(bLayout), BatchOf(cLayout));
        var args = new GemmArgs
        {
            M = m, N = n, K = k,
            ARow = ma.RowStride, ACol = ma.ColStride, BRow = mb.RowStride, BCol = mb.ColStride,
            CRow = mc.RowStride, CCol = mc.ColStride,
            TilesM = (m + GpuMatMulKernels.Tile - 1) / GpuMatMulKernels.Tile,
            TilesN = (n + GpuMatMulKernels.Tile - 1) / GpuMatMulKernels.Tile,
            Accumulate = accumulate ? 1 : 0,
        };
        long groups = (long)args.TilesM * args.TilesN * mc.Count;
        var config = new KernelConfig((int)Count(groups).X, GpuMatMulKernels.Threads);
        _kernels.MatMulTiled.Value(config, args, batches[0], batches[1], batches[2], View(a), View(b), View(c));
    }

    /// <summary>The batch dims of a [..., R, C] layout (shape [1] with stride 0 for a plain matrix).</summary>
    private static StridedLayout BatchOf(StridedLayout layout) =>
        layout.Rank == 2
            ? new StridedLayout([1], [0], layout.Offset)
            : new StridedLayout(layout.Shape[..^2], layout.Strides[..^2], layout.Offset);
}
