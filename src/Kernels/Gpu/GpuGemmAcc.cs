namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Sixteen accumulators of one thread as scalar fields (ILGPU 1.5.3 keeps local arrays in
/// `.local` memory; struct fields of a local become registers). The SIMT kernels read V{i}{j} as
/// C[row + i, col + j] of a 4×4 sub-tile; the TF32 kernel as n-tile i, fragment register j.
/// </summary>
internal struct GpuGemmAcc
{
    public float V00, V01, V02, V03, V10, V11, V12, V13, V20, V21, V22, V23, V30, V31, V32, V33;

    /// <summary>Rank-1 update: V{i}{j} += a[i]·b[j].</summary>
    public void Fma(GpuFloat4 a, GpuFloat4 b)
    {
        V00 += a.X * b.X; V01 += a.X * b.Y; V02 += a.X * b.Z; V03 += a.X * b.W;
        V10 += a.Y * b.X; V11 += a.Y * b.Y; V12 += a.Y * b.Z; V13 += a.Y * b.W;
        V20 += a.Z * b.X; V21 += a.Z * b.Y; V22 += a.Z * b.Z; V23 += a.Z * b.W;
        V30 += a.W * b.X; V31 += a.W * b.Y; V32 += a.W * b.Z; V33 += a.W * b.W;
    }
}
