using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Quantized;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers.Quantized;

/// <summary>A quantized model moved to the GPU (emulated) computes what it computes on the CPU.</summary>
[Collection(DeepNet.Tests.Kernels.Gpu.EmulatorCollection.Name)]
public class QuantizedGpuTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QuantizedModel_OnTheEmulator_MatchesTheCpu(bool dynamic)
    {
        var g = new Generator(5);
        using var model = new Sequential(new Conv2D(2, 3, 3, padding: 1, generator: g), new Relu(), new MaxPool2D(2), new Flatten(),
            new Dense(3 * 3 * 3, 4, generator: g, activation: Activation.Tanh));
        using var x = Tensor.Rand([2, 2, 6, 6], new Generator(6));
        Quantization.Quantize(model, [x], new QuantizationOptions { Dynamic = dynamic });
        using var noGrad = GradMode.NoGrad();
        using var cpu = model.Call(x);
        float[] expected = cpu.ToArray();
        model.To(Device.GpuEmulator);
        using var onGpu = x.To(Device.GpuEmulator);
        using var gpu = model.Call(onGpu);
        float[] actual = gpu.ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + MathF.Abs(expected[i])), $"element {i}: {actual[i]} vs {expected[i]}");
    }
}
