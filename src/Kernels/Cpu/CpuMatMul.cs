using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// Batched matmul. a: [..., M, K], b: [..., K, N], c: [..., M, N] dense, row-major.
// Strided operands (transposes, broadcast batches) are packed into dense panels first.
// Oracle: MatMulTests (naive triple loop in double).
public sealed partial class CpuBackend
{
    public void MatMul(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout, bool accumulate = false)
    {
        var ma = new BatchedMatrix(aLayout);
        var mb = new BatchedMatrix(bLayout);
        var mc = new BatchedMatrix(cLayout);
        int m = ma.Rows, k = ma.Cols, n = mb.Cols;
        float[] xa = Data(a), xb = Data(b), xc = Data(c);
        For((long)ma.Count * m, (lo, hi) =>
        {
            var rowA = new float[k];
            var packedB = new float[(long)k * n];
            int packedBatch = -1;
            for (long r = lo; r < hi; r++)
            {
                int bi = (int)(r / m), i = (int)(r % m);
                if (bi != packedBatch)
                {
                    PackMatrix(xb, mb, bi, packedB);
                    packedBatch = bi;
                }
                int aBase = ma.OffsetOf(bi) + i * ma.RowStride;
                for (int p = 0; p < k; p++) rowA[p] = xa[aBase + p * ma.ColStride];
                var rowC = xc.AsSpan(mc.OffsetOf(bi) + i * mc.RowStride, n);
                if (!accumulate) rowC.Clear();
                RowTimesMatrix(rowA, packedB, n, rowC);
            }
        }, (long)k * n);
    }

    /// <summary>Copies matrix bi of a batch into a dense row-major Rows×Cols array.</summary>
    private static void PackMatrix(float[] src, BatchedMatrix layout, int bi, float[] dst)
    {
        int baseOffset = layout.OffsetOf(bi), cols = layout.Cols;
        for (int r = 0; r < layout.Rows; r++)
        {
            int o = baseOffset + r * layout.RowStride;
            if (layout.ColStride == 1) src.AsSpan(o, cols).CopyTo(dst.AsSpan(r * cols, cols));
            else for (int q = 0; q < cols; q++) dst[r * cols + q] = src[o + q * layout.ColStride];
        }
    }

    /// <summary>c[0..n) += Σp a[p]·b[p, 0..n), b dense row-major.</summary>
    private static void RowTimesMatrix(float[] rowA, float[] b, int n, Span<float> c)
    {
        int width = Vector256<float>.Count;
        for (int p = 0; p < rowA.Length; p++)
        {
            float av = rowA[p];
            if (av == 0f) continue;
            var va = Vector256.Create(av);
            var bRow = b.AsSpan(p * n, n);
            int j = 0;
            for (; j <= n - width; j += width)
                Vector256.FusedMultiplyAdd(va, Vector256.Create(bRow.Slice(j, width)), Vector256.Create(c.Slice(j, width)))
                    .CopyTo(c.Slice(j, width));
            for (; j < n; j++) c[j] += av * bRow[j];
        }
    }
}
