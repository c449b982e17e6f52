namespace DeepNet.Kernels.Cpu;

// One GEMM of a batch: c = a·b (+ c when Accumulate). a: [M, K], b: [K, N], c: [M, N].
// Element a[i, p] is A[AOffset + i·ARowStride + p·AColStride] (any strides, 0 included);
// c is row-major with unit column stride. Oracle: CpuMatMulTests.

/// <summary>The operands of one matrix product, with their strides, for the CPU GEMM kernels.</summary>
internal readonly record struct GemmProblem(
    float[] A, int AOffset, int ARowStride, int AColStride,
    float[] B, int BOffset, int BRowStride, int BColStride,
    float[] C, int COffset, int CRowStride,
    int M, int N, int K, bool Accumulate)
{
    /// <summary>Multiply-adds this product costs.</summary>
    public long Work => (long)M * N * K;
}
