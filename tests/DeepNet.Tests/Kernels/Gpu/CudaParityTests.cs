using DeepNet.Kernels.Gpu;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>The parity tests on CUDA device 0; skipped with the reason when there is none.</summary>
public sealed class CudaParityTests : GpuParityTests, IRequiresCuda
{
    protected override GpuBackend Gpu => GpuBackend.Cuda(0);
}
