using DeepNet.Layers;
using DeepNet.Optimizers;
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
        using var x = Tensor.Randn([5, 2, 3], new Generator(2), Gpu);
        long before = Gpu.MemoryStats().AllocatedBytes;
        var loss = DisposeScope.Run(() => gru.Forward(x).Tanh().Sum());   // no outer scope
        Assert.True(Gpu.MemoryStats().AllocatedBytes > before);
        loss.Dispose();
        Assert.Equal(before, Gpu.MemoryStats().AllocatedBytes);
    }

    [Fact]
    public void RecurrentTrainingLoop_LeavesAllocatedBytesFlat_OverTwentySteps()
    {
        using var gru = new Gru(3, 4, generator: new Generator(3));
        gru.To(Gpu);
        using var optimizer = new Adam(gru.Parameters(), 0.01);
        using var x = Tensor.Randn([4, 2, 3], new Generator(4), Gpu);
        using var target = Tensor.Randn([4, 2, 4], new Generator(5), Gpu);
        long afterFirst = 0;
        for (int step = 0; step < 20; step++)
        {
            using (new DisposeScope())
            {
                optimizer.ZeroGrad();
                var error = gru.Forward(x) - target;
                (error * error).Mean().Backward();
                optimizer.Step();
            }
            if (step == 1) afterFirst = Gpu.MemoryStats().AllocatedBytes;   // after the optimizer's state exists
        }
        Assert.Equal(afterFirst, Gpu.MemoryStats().AllocatedBytes);
    }
}
