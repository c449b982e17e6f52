using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// Test classes sharing <c>GpuBackend.Emulator</c> run one at a time: the memory tests read its
/// allocator's stats, which concurrent parity tests would move.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EmulatorCollection
{
    public const string Name = "GPU emulator";
}
