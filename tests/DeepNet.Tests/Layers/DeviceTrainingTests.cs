using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;
using DeepNet.Layers.Losses;

namespace DeepNet.Tests.Layers;

/// <summary>
/// The layers issue's "done when" on the GPU backend: the MLP and the seed MNIST CNN learn on
/// random data through the GPU kernels (ILGPU's CPU accelerator in CI), after Module.To.
/// </summary>
[Collection(DeepNet.Tests.Kernels.Gpu.EmulatorCollection.Name)]
public class DeviceTrainingTests
{
    private static Device Gpu => Device.GpuEmulator;

    [Fact]
    public void ModuleTo_MovesParametersInPlace_SoAnOptimizerBuiltBeforeKeepsWorking()
    {
        var g = new Generator(3);
        using var model = Models.Mlp(6, 8, 3, g);
        var before = model.Parameters().ToList();
        using var optimizer = new Adam(model.Parameters(), 0.05);
        model.To(Gpu);
        Assert.Equal(before, model.Parameters().ToList());
        Assert.All(model.Parameters(), p => Assert.Equal(Gpu, p.Device));
        using var x = Tensor.Randn([8, 6], g, Gpu);
        using var y = Tensor.RandInt(0, 3, [8], g, Gpu);
        var loss = new CrossEntropyLoss();
        float first = 0, last = 0;
        for (int step = 0; step < 8; step++)
        {
            using var scope = new DisposeScope();
            optimizer.ZeroGrad();
            var value = loss.Forward(model.Forward(x), y);
            value.Backward();
            optimizer.Step();
            last = value.Item();
            if (step == 0) first = last;
        }
        Assert.True(last < first, $"loss went {first} -> {last}");
    }

    [Fact]
    public void MnistCnn_LossGoesDown_OnTheGpuBackend()
    {
        var g = new Generator(8);
        using var model = Models.MnistCnn(g);
        model.To(Gpu);
        // One image, two steps: the emulator runs the tiled GEMM's barriers slowly (~1 s per conv).
        using var x = Tensor.Rand([1, 1, 28, 28], g, Gpu);
        using var y = Tensor.FromArray([3f], Gpu);
        var losses = TrainingTests.Train(model, new CrossEntropyLoss(), x, y, steps: 2, learningRate: 0.05f);
        Assert.True(losses[^1] < losses[0], $"loss went {string.Join(" -> ", losses)}");
    }
}
