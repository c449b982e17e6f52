using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Autograd;

/// <summary>
/// The ownership rule measured in device memory: the GPU emulator's allocator counts every live
/// buffer, saved aliases' storage included, so "freed" means allocated bytes back where they were.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class GraphOwnershipEmulatorTests
{
    private static Device Gpu => Device.GpuEmulator;

    [Fact]
    public void DisposingTheLoss_WithoutBackward_FreesEverySavedBuffer()
    {
        using var gru = new Gru(3, 4, generator: new Generator(1));
        gru.To(Gpu);
        using var x = Tensor.Randn([3, 2, 3], new Generator(2), Gpu);
        DisposeScope.Run(() => gru.Forward(x).Sum()).Dispose();   // warm-up: whatever the backend caches on first use
        // Layers/TrainingTests uses the emulator outside this collection and can move the totals
        // mid-measurement; a leak fails every attempt, that noise only some.
        long before = 0, after = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            before = Gpu.MemoryStats().AllocatedBytes;
            var loss = DisposeScope.Run(() => gru.Forward(x).Tanh().Sum());   // no outer scope
            Assert.True(Gpu.MemoryStats().AllocatedBytes > before);
            loss.Dispose();
            after = Gpu.MemoryStats().AllocatedBytes;
            if (before == after) return;
        }
        Assert.Fail($"allocated bytes went {before} -> {after} after disposing the loss");
    }
}
