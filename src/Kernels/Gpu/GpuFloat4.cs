namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Four floats read or written as one 16-byte access: ILGPU emits ld/st .v4.f32 for a whole
/// 16-byte struct element (there is no float4 type). Views of it must be 16-byte aligned.
/// </summary>
internal struct GpuFloat4
{
    public float X, Y, Z, W;
}
