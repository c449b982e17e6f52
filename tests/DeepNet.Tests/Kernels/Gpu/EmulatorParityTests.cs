using DeepNet.Kernels.Gpu;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>The parity tests on ILGPU's CPU accelerator: the real GPU kernels, emulated.</summary>
[Xunit.Collection(EmulatorCollection.Name)]
public sealed class EmulatorParityTests : GpuParityTests
{
    protected override GpuBackend Gpu => GpuBackend.Emulator;
}
