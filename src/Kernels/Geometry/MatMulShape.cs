namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape contract of a batched matmul after 1-d operands were promoted to matrices:
/// a: [..., M, K], b: [..., K, N] → c: [broadcast(...), M, N].
/// </summary>
public static class MatMulShape
{
    public static int[] Infer(int[] a, int[] b)
    {
        if (a.Length < 2 || b.Length < 2)
            throw new ArgumentException($"matmul: expects matrices after promotion, got {ShapeMath.Format(a)} and {ShapeMath.Format(b)}");
        int m = a[^2], k = a[^1], k2 = b[^2], n = b[^1];
        if (k != k2)
            throw new ArgumentException($"matmul: shapes {ShapeMath.Format(a)} and {ShapeMath.Format(b)} are not aligned ({k} != {k2})");
        if (a.Length == 2 && b.Length == 2) return [m, n];   // plain matrices (Dense): no batch arrays to build
        int[] batchA = a[..^2], batchB = b[..^2];
        for (int i = 1; i <= Math.Min(batchA.Length, batchB.Length); i++)
            if (batchA[^i] != batchB[^i] && batchA[^i] != 1 && batchB[^i] != 1)
                throw new ArgumentException($"matmul: batch dims of {ShapeMath.Format(a)} and {ShapeMath.Format(b)} cannot be broadcast together");
        return [.. ShapeMath.Broadcast("matmul", batchA, batchB), m, n];
    }
}
