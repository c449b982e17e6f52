using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;

namespace DeepNet.Kernels.Fused;

/// <summary>
/// A fused op as one unit: its arguments (buffers, validated geometry, hyper-parameters), its CPU
/// body and its GPU launch live in one file of Kernels/Fused; its backward lives in its
/// Autograd Function. Backends run it through the single <see cref="IBackend.Run{TOp}"/>
/// member (a visitor), so adding a fused op never widens <see cref="IBackend"/>.
/// Shapes are validated once (Kernels/Geometry) before the op is built: bodies trust them.
/// </summary>
public interface IFusedOp
{
    /// <summary>The op's name in error messages, e.g. "cross_entropy".</summary>
    string Name { get; }

    /// <summary>The managed SIMD body.</summary>
    void RunCpu(CpuBackend cpu);

    /// <summary>Launches the ILGPU kernel(s); kernels are loaded once per accelerator through <see cref="GpuBackend.FusedKernel{TDelegate}"/>.</summary>
    void RunGpu(GpuBackend gpu);
}
