using ILGPU;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// The tensor-core part of <see cref="GpuMatMulMmaKernels"/>: how operands are rounded on their way into
/// shared memory, and one k-step (8 deep) of a warp's 64×32 tile: its fragment reads and mma.sync calls.
/// </summary>
internal interface IGpuMma
{
    /// <summary>Rounds four operand values to the mma's input type (kept as float32 in shared memory).</summary>
    GpuFloat4 Round(GpuFloat4 f);

    /// <summary>
    /// C += A·B for the warp's four m16 tiles (<paramref name="m0"/>..<paramref name="m3"/>, each over four n8 tiles)
    /// from the k-major shared tiles at <paramref name="cur"/>; <paramref name="wr"/>, <paramref name="wc"/> the warp's
    /// first row and column, <paramref name="gr"/>, <paramref name="tc"/> the lane's fragment row group and thread-in-group.
    /// </summary>
    void Step(ref GpuGemmAcc m0, ref GpuGemmAcc m1, ref GpuGemmAcc m2, ref GpuGemmAcc m3, ArrayView<float> scratch,
        ArrayView<float> aS, ArrayView<float> bS, int cur, int wr, int wc, int gr, int tc);
}
