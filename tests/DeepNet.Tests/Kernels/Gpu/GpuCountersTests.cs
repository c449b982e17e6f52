using DeepNet.Kernels.Gpu;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Tests.Layers;
using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// Launches and host syncs of a training step, counted by the backend: a step (forward, cross
/// entropy, backward, Adam) queues its kernels and never waits for the device; only reading a
/// value does.
/// </summary>
[Collection(EmulatorCollection.Name)]   // counts the emulator's work: nothing else may run on it meanwhile
public sealed class GpuCountersTests
{
    [Fact]
    public void MlpTrainingStep_QueuesItsKernels_WithoutAHostSync()
    {
        var g = new Generator(21);
        var device = Device.GpuEmulator;
        var gpu = GpuBackend.Emulator;
        using var model = Models.Mlp(6, 8, 3, g);
        model.To(device);
        var optimizer = new Adam(model.Parameters(), 1e-2);
        var loss = new CrossEntropyLoss();
        using var x = Tensor.Randn([16, 6], g, device);
        using var y = Tensor.RandInt(0, 3, [16], g, device);
        Tensor Step()
        {
            optimizer.ZeroGrad();
            var value = loss.Forward(model.Forward(x), y);
            value.Backward();
            optimizer.Step();
            return value;
        }

        using (new DisposeScope()) Step().Item();   // first use: kernels compile, optimizer state is made
        var perStep = new GpuCounters[2];
        for (int i = 0; i < perStep.Length; i++)
        {
            using var scope = new DisposeScope();
            var before = gpu.Counters;
            var value = Step();
            perStep[i] = gpu.Counters - before;
            var beforeRead = gpu.Counters;
            value.Item();
            Assert.Equal(new GpuCounters(0, 1), gpu.Counters - beforeRead);
        }

        Assert.All(perStep, c => Assert.Equal(0, c.HostSyncs));
        Assert.InRange(perStep[0].KernelLaunches, 10, 200);
        Assert.Equal(perStep[0], perStep[1]);
        TestContext.Current.SendDiagnosticMessage($"MLP 6-8-8-3 step on the emulator: {perStep[0]}");
    }

    [Fact]
    public void Counters_Subtract_AndPrint()
    {
        var d = new GpuCounters(30, 4) - new GpuCounters(10, 1);
        Assert.Equal(new GpuCounters(20, 3), d);
        Assert.Equal("20 kernel launches, 3 host syncs", d.ToString());
    }
}
