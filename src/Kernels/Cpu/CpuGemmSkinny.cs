using System.Numerics.Tensors;

namespace DeepNet.Kernels.Cpu;

// Skinny GEMM: c = a·b (+ c) when M ≤ MaxRows or N ≤ MaxCols (vector-matrix, matrix-vector,
// tiny batches), where packing would cost as much as the product. a: [M, K], b: [K, N],
// c: [M, N] row-major. Variants, chosen by which operand has a unit stride:
//   small M, b rows contiguous    → c[i, :] += a[i, p]·b[p, :]  (axpy over N, b row read once)
//   small M, b columns contiguous → c[i, j] = dot(a[i, :], b[:, j])  (b column read once)
//   small N, a rows contiguous    → c[i, j] = dot(a[i, :], b[:, j])  (b columns gathered once)
//   small N, a columns contiguous → c[:, j] += b[p, j]·a[:, p]  (axpy over M)
// Other stride patterns return false and take the packed path. Oracle: CpuMatMulTests.
internal static class CpuGemmSkinny
{
    /// <summary>At most this many rows of c go through the skinny path.</summary>
    public const int MaxRows = 4;

    /// <summary>At most this many columns of c go through the skinny path.</summary>
    public const int MaxCols = 8;

    /// <summary>Runs the product when its shape and strides suit a skinny variant.</summary>
    public static bool TryRun(in GemmProblem p)
    {
        if (p.M <= MaxRows && p.M <= p.N && (p.BColStride == 1 || p.BRowStride == 1))
        {
            SmallM(p);
            return true;
        }
        if (p.N <= MaxCols && (p.AColStride == 1 || p.ARowStride == 1))
        {
            SmallN(p);
            return true;
        }
        return false;
    }

    private static void SmallM(in GemmProblem p)
    {
        var ws = CpuGemmWorkspace.ForThread();
        Span<float> rowsA = ws.ScratchOf(p.M * p.K);
        for (int i = 0; i < p.M; i++) Gather(p.A, p.AOffset + i * p.ARowStride, p.AColStride, rowsA.Slice(i * p.K, p.K));
        if (!p.Accumulate)
            for (int i = 0; i < p.M; i++) p.C.AsSpan(p.COffset + i * p.CRowStride, p.N).Clear();
        if (p.BColStride == 1)
        {
            for (int k = 0; k < p.K; k++)
            {
                ReadOnlySpan<float> rowB = p.B.AsSpan(p.BOffset + k * p.BRowStride, p.N);
                for (int i = 0; i < p.M; i++)
                {
                    Span<float> rowC = p.C.AsSpan(p.COffset + i * p.CRowStride, p.N);
                    TensorPrimitives.MultiplyAdd(rowB, rowsA[i * p.K + k], rowC, rowC);
                }
            }
        }
        else
        {
            for (int j = 0; j < p.N; j++)
            {
                ReadOnlySpan<float> colB = p.B.AsSpan(p.BOffset + j * p.BColStride, p.K);
                for (int i = 0; i < p.M; i++)
                    p.C[p.COffset + i * p.CRowStride + j] += TensorPrimitives.Dot(rowsA.Slice(i * p.K, p.K), colB);
            }
        }
    }

    private static void SmallN(in GemmProblem p)
    {
        var ws = CpuGemmWorkspace.ForThread();
        Span<float> scratch = ws.ScratchOf(p.N * p.K + p.M);
        Span<float> colsB = scratch[..(p.N * p.K)], colC = scratch.Slice(p.N * p.K, p.M);
        for (int j = 0; j < p.N; j++) Gather(p.B, p.BOffset + j * p.BColStride, p.BRowStride, colsB.Slice(j * p.K, p.K));
        if (p.AColStride == 1)
        {
            for (int i = 0; i < p.M; i++)
            {
                ReadOnlySpan<float> rowA = p.A.AsSpan(p.AOffset + i * p.ARowStride, p.K);
                int c = p.COffset + i * p.CRowStride;
                for (int j = 0; j < p.N; j++)
                {
                    float dot = TensorPrimitives.Dot(rowA, colsB.Slice(j * p.K, p.K));
                    p.C[c + j] = p.Accumulate ? p.C[c + j] + dot : dot;
                }
            }
            return;
        }
        for (int j = 0; j < p.N; j++)
        {
            colC.Clear();
            for (int k = 0; k < p.K; k++)
                TensorPrimitives.MultiplyAdd(p.A.AsSpan(p.AOffset + k * p.AColStride, p.M), colsB[j * p.K + k], colC, colC);
            for (int i = 0; i < p.M; i++)
            {
                int c = p.COffset + i * p.CRowStride + j;
                p.C[c] = p.Accumulate ? p.C[c] + colC[i] : colC[i];
            }
        }
    }

    /// <summary>dst[t] = src[offset + t·stride]: one row or column made contiguous.</summary>
    private static void Gather(float[] src, int offset, int stride, Span<float> dst)
    {
        if (stride == 1) src.AsSpan(offset, dst.Length).CopyTo(dst);
        else for (int t = 0; t < dst.Length; t++) dst[t] = src[offset + t * stride];
    }
}
