using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>
/// Dense and Conv2D with a fused activation against their composite (matmul or conv, bias add,
/// activation op): forward values and the gradients of the input, the weight and the bias, for
/// every activation, with and without a bias. Written once, run on the CPU, the GPU emulator and CUDA.
/// </summary>
public abstract class FusedActivationLayerTests
{
    protected abstract Device Device { get; }

    public static IEnumerable<(Activation Activation, bool Bias)> Cases =>
        from activation in Enum.GetValues<Activation>() from bias in new[] { true, false } select (activation, bias);

    [ParityFact]
    public void Dense_MatchesMatMulBiasAddActivation_ForwardAndGradients()
    {
        foreach (var (activation, bias) in Cases)
        foreach (var shape in new[] { new[] { 3, 5 }, [2, 3, 5] })
        {
            using var layer = new Dense(5, 4, bias, new Generator(11), activation);
            layer.To(Device);
            AssertSameAsComposite(layer, x => DenseComposite(layer, x), $"dense {activation} bias={bias} {string.Join('x', shape)}",
                RandomData.Uniform(shape.Sum(), shape, -2f, 2f));
        }
    }

    [ParityFact]
    public void Conv2D_MatchesConvBiasAddActivation_ForwardAndGradients()
    {
        foreach (var (activation, bias) in Cases)
        {
            using var layer = new Conv2D(3, 4, kernelSize: 3, padding: 1, bias: bias, generator: new Generator(12), activation: activation);
            layer.To(Device);
            AssertSameAsComposite(layer, x => ConvComposite(layer, x), $"conv2d {activation} bias={bias}",
                RandomData.Uniform(5, [2, 3, 5, 4], -2f, 2f));
        }
    }

    /// <summary>
    /// Sequential fuses each Relu with its neighbour (Conv2D or Dense epilogue, or after a MaxPool2D on the pooled
    /// values): the same values and gradients as running the layers one by one (windows whose maximum is negative
    /// included). A hooked Relu runs as itself and its hook sees the unpooled map.
    /// </summary>
    [ParityFact]
    public void Sequential_FusingRelu_MatchesLayerByLayer()
    {
        using var model = new Sequential(
            new Conv2D(2, 3, kernelSize: 3, generator: new Generator(21)), new Relu(), new MaxPool2D(2),
            new Conv2D(3, 4, kernelSize: 2, generator: new Generator(22)), new Relu(), new Flatten(),
            new Dense(36, 6, generator: new Generator(23)), new Relu(), new Dense(6, 3, generator: new Generator(24)));
        model.To(Device);
        var input = RandomData.Uniform(31, [2, 2, 11, 11], -2f, 2f);
        Tensor LayerByLayer(Tensor x)
        {
            var h = x;
            for (int i = 0; i < model.Count; i++)
            {
                var next = model[i].Forward(h);
                if (!ReferenceEquals(h, x)) h.Dispose();
                h = next;
            }
            return h;
        }
        AssertSameAsComposite(model, LayerByLayer, "sequential conv/relu/pool/dense", input);
        int[]? seen = null;
        using (model[1].RegisterForwardHook((_, _, output) => { seen = output.Shape.ToArray(); return null; }))
            AssertSameAsComposite(model, LayerByLayer, "sequential with a hooked relu", input);
        Assert.Equal([2, 3, 9, 9], seen!);
    }

    private static Tensor DenseComposite(Dense layer, Tensor x)
    {
        using var weightT = layer.Weight.Transpose(0, 1);
        using var product = x.MatMul(weightT);
        if (layer.Bias is null) return product.Activate(layer.Activation);
        using var z = product.Add(layer.Bias);
        return z.Activate(layer.Activation);
    }

    private static Tensor ConvComposite(Conv2D layer, Tensor x)
    {
        using var product = x.Conv2D(layer.Weight, null, layer.Stride, layer.Padding, layer.Dilation, layer.Groups);
        if (layer.Bias is null) return product.Activate(layer.Activation);
        using var bias = layer.Bias.Reshape(1, layer.OutChannels, 1, 1);
        using var z = product.Add(bias);
        return z.Activate(layer.Activation);
    }

    /// <summary>Output and the gradients of x and of every parameter, under a fixed non-uniform projection.</summary>
    private (float[] Value, float[][] Grads) Run(Module layer, Func<Tensor, Tensor> f, (float[] Data, int[] Shape) input)
    {
        layer.ZeroGrad();
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(input.Data, input.Shape, Device).RequiresGradient();
        var output = f(x);
        var weights = Enumerable.Range(0, (int)output.Size).Select(i => 0.5f + 0.25f * (i % 5)).ToArray();
        using var w = Tensor.FromArray(weights, output.Shape.ToArray(), Device);
        output.Mul(w).Sum().Backward();
        return (output.ToArray(), [x.Grad!.ToArray(), .. layer.Parameters().Select(p => p.Grad!.ToArray())]);
    }

    private void AssertSameAsComposite(Module layer, Func<Tensor, Tensor> composite, string label, (float[] Data, int[] Shape) input)
    {
        var expected = Run(layer, composite, input);
        var actual = Run(layer, layer.Forward, input);
        Tensors.FusedTests.AssertClose(expected.Value, actual.Value, $"{label} forward");
        Assert.Equal(expected.Grads.Length, actual.Grads.Length);
        for (int i = 0; i < expected.Grads.Length; i++)
            Tensors.FusedTests.AssertClose(expected.Grads[i], actual.Grads[i], $"{label} grad {(i == 0 ? "input" : layer.NamedParameters().ElementAt(i - 1).Name)}");
    }
}

public sealed class CpuFusedActivationLayerTests : FusedActivationLayerTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorFusedActivationLayerTests : FusedActivationLayerTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaFusedActivationLayerTests : FusedActivationLayerTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
