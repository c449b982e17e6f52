using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Batched matmul entry. a: [..., M, K], b: [..., K, N], c: [..., M, N] dense, row-major; a and b
// may have any strides (transposes are swapped strides, broadcast batches are stride 0).
// Variants: CpuGemm (packed, cache-blocked SGEMM: CpuGemmPacking + CpuGemmMicroKernel) for
// everything but skinny shapes, CpuGemmSkinny (dot / axpy per row or column) for M or N tiny.
// The parallel split is over batches when there are many, else inside one GEMM.
// Oracle: tests/DeepNet.Tests/Kernels/Cpu/CpuMatMulTests.cs (naive triple loop in double).
public sealed partial class CpuBackend
{
    public void MatMul(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout, bool accumulate = false)
    {
        var ma = new BatchedMatrix(aLayout);
        var mb = new BatchedMatrix(bLayout);
        var mc = new BatchedMatrix(cLayout);
        if (ma.Count != mc.Count || mb.Count != mc.Count || ma.Rows != mc.Rows || ma.Cols != mb.Rows || mb.Cols != mc.Cols)
            throw new ArgumentException(
                $"matmul: shapes {ShapeMath.Format(aLayout.Shape)} and {ShapeMath.Format(bLayout.Shape)} do not give output {ShapeMath.Format(cLayout.Shape)}");
        if (mc.Cols > 1 && mc.ColStride != 1)
            throw new ArgumentException($"matmul: output must be dense row-major, got {cLayout}");
        if (mc.Rows == 0 || mc.Cols == 0 || mc.Count == 0) return;
        if (a.ElementType == ElementType.Float64)
        {
            MatMulFloat64(Cpu(a), ma, Cpu(b), mb, Cpu(c), mc, accumulate);
            return;
        }

        float[] xa = Data(a), xb = Data(b), xc = Data(c);
        GemmProblem At(int bi) => new(
            xa, ma.OffsetOf(bi), ma.RowStride, ma.ColStride,
            xb, mb.OffsetOf(bi), mb.RowStride, mb.ColStride,
            xc, mc.OffsetOf(bi), mc.RowStride,
            mc.Rows, mc.Cols, ma.Cols, accumulate);

        long work = (long)mc.Rows * mc.Cols * Math.Max(ma.Cols, 1);
        int batches = mc.Count;
        // Many independent matrices: one whole GEMM per task keeps packing private and
        // needs no split inside; a few big ones: split each across the cores instead.
        bool perBatch = batches > 1 && work * batches >= CpuGemm.ParallelWork
            && (batches >= 2 * Environment.ProcessorCount || work < CpuGemm.ParallelWork);
        if (perBatch) Parallel.For(0, batches, bi => CpuGemm.Run(At(bi), parallel: false));
        else for (int bi = 0; bi < batches; bi++) CpuGemm.Run(At(bi), parallel: true);
    }
}
