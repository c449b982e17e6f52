using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;
using DeepNet.Layers.Losses;
using DeepNet.Autograd;

namespace DeepNet.Tests.Layers;

/// <summary>The issue's "done when": small models learn on random data with plain SGD.</summary>
[Collection(DeepNet.Tests.Kernels.Gpu.EmulatorCollection.Name)]   // uses the emulator: keeps its allocator stats still for the memory tests
public class TrainingTests
{
    [Fact]
    public void Mlp_LossGoesDown_WithSgd()
    {
        var g = new Generator(7);
        using var model = Models.Mlp(10, 16, 3, g);
        using var x = Tensor.Randn([32, 10], g);
        using var y = Tensor.RandInt(0, 3, [32], g);
        var losses = Train(model, new CrossEntropyLoss(), x, y, steps: 60, learningRate: 0.5f);
        Assert.True(losses[^1] < losses[0] * 0.8f, $"loss went {losses[0]} → {losses[^1]}");
    }

    [Fact]
    public void MnistCnn_LossGoesDown_WithSgd()
    {
        var g = new Generator(8);
        using var model = Models.MnistCnn(g);
        using var x = Tensor.Rand([8, 1, 28, 28], g);
        using var y = Tensor.RandInt(0, 10, [8], g);
        var losses = Train(model, new CrossEntropyLoss(), x, y, steps: 5, learningRate: 0.05f);
        Assert.True(losses[^1] < losses[0], $"loss went {string.Join(" → ", losses)}");
    }

    // The MNIST CNN on the emulator took 3 minutes for 3 steps here, too slow for the suite; the MLP runs the same kernels.
    [Fact]
    public void Mlp_LossGoesDown_OnTheGpuKernels()
    {
        var g = new Generator(9);
        var device = Device.GpuEmulator;
        using var model = Models.Mlp(6, 8, 3, g);
        model.To(device);
        using var x = Tensor.Randn([16, 6], g, device);
        using var y = Tensor.RandInt(0, 3, [16], g, device);
        var losses = Train(model, new CrossEntropyLoss(), x, y, steps: 8, learningRate: 0.5f);
        Assert.True(losses[^1] < losses[0] * 0.95f, $"loss went {losses[0]} → {losses[^1]}");
    }

    /// <summary>Full-batch SGD steps; returns the loss before each step.</summary>
    internal static float[] Train(Module model, Loss loss, Tensor x, Tensor y, int steps, float learningRate)
    {
        var losses = new float[steps];
        for (int step = 0; step < steps; step++)
        {
            using var scope = new DisposeScope();
            model.ZeroGrad();
            var value = loss.Forward(model.Forward(x), y);
            losses[step] = value.Item();
            value.Backward();
            using var noGrad = GradMode.NoGrad();
            foreach (var p in model.Parameters()) p.AddInPlace(p.Grad!, -learningRate);
        }
        return losses;
    }
}
