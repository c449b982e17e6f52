using DeepNet.Kernels.Gpu;

namespace DeepNet.Kernels.Fused;

/// <summary>
/// A per-parameter fused update that can also run inside <see cref="MultiTensorUpdate{TOp, TEntry}"/>:
/// it describes its operands on the GPU as one <typeparamref name="TEntry"/>.
/// </summary>
public interface IMultiTensorUpdate<TEntry> : IFusedOp where TEntry : struct, IMultiTensorEntry
{
    /// <summary>Elements updated.</summary>
    long Length { get; }

    /// <summary>The operands as device views of <paramref name="gpu"/> (throws naming the backend for foreign buffers).</summary>
    TEntry GpuEntry(GpuBackend gpu);
}
