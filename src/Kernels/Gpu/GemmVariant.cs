namespace DeepNet.Kernels.Gpu;

/// <summary>Which GEMM kernel a GPU matmul runs (<see cref="Auto"/>: chosen from the layout, sizes and device).</summary>
internal enum GemmVariant
{
    Auto,
    Tile64,
    Tile128,
    Tf32,
    Bf16,
}
