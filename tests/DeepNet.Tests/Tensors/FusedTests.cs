using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The fused bias + activation against the composite it replaces (Add → activation), forward
/// values and gradients; the fused cross entropy has its own class (CrossEntropyTests).
/// Written once, run on the CPU, the GPU emulator and CUDA (skipped with a reason when absent).
/// </summary>
public abstract class FusedTests
{
    private const float Tolerance = 2e-5f;

    protected abstract Device Device { get; }

    [ParityFact]
    public void AddBiasActivation_MatchesComposite_ForEveryActivationAndLayout()
    {
        foreach (var activation in Enum.GetValues<Activation>())
        foreach (var shape in new[] { new[] { 3, 11 }, [2, 3, 4, 5], [19] })
        {
            int c = shape.Length >= 2 ? shape[1] : shape[0];
            var biasShape = shape.Select((s, d) => d == (shape.Length >= 2 ? 1 : 0) ? s : 1).ToArray();
            AssertSameAsComposite(
                t => t[0].AddBiasActivation(t[1], activation),
                t => { using var b = t[1].Reshape(biasShape); using var z = t[0].Add(b); return Apply(z, activation); },
                $"{activation} {string.Join('x', shape)}", RandomData.Uniform(shape.Sum(), shape, -3f, 3f), RandomData.Uniform(c, [c]));
        }
    }

    [ParityFact]
    public void AddBiasActivation_WithMismatchedBias_ThrowsNamingShapes()
    {
        using var x = Tensor.Zeros([2, 3], Device);
        using var bias = Tensor.Zeros([2], Device);
        var error = Assert.Throws<ArgumentException>(() => x.AddBiasActivation(bias, Activation.Relu));
        Assert.Contains("[2]", error.Message);
        Assert.Contains("[2, 3]", error.Message.Replace("[2,3]", "[2, 3]"));
    }

    private static Tensor Apply(Tensor z, Activation activation) => activation switch
    {
        Activation.Identity => z.Mul(1f),
        Activation.Relu => z.Relu(),
        Activation.Gelu => z.Gelu(),
        Activation.GeluTanh => z.Gelu(GeluApproximation.Tanh),
        Activation.Tanh => z.Tanh(),
        Activation.Sigmoid => z.Sigmoid(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private (float[] Value, float[][] Grads) Run(Func<Tensor[], Tensor> f, (float[] Data, int[] Shape)[] inputs)
    {
        using var scope = new DisposeScope();
        var leaves = inputs.Select(i => Tensor.FromArray(i.Data, i.Shape, Device).RequiresGradient()).ToArray();
        var output = f(leaves);
        // A fixed non-uniform projection, so every output element's gradient is checked with its own weight.
        var weights = Enumerable.Range(0, (int)output.Size).Select(i => 0.5f + 0.25f * (i % 5)).ToArray();
        using var w = Tensor.FromArray(weights, output.Shape.ToArray(), Device);
        output.Mul(w).Sum().Backward();
        return (output.ToArray(), leaves.Select(l => l.Grad!.ToArray()).ToArray());
    }

    private void AssertSameAsComposite(Func<Tensor[], Tensor> fused, Func<Tensor[], Tensor> composite, string label,
        params (float[] Data, int[] Shape)[] inputs)
    {
        var expected = Run(composite, inputs);
        var actual = Run(fused, inputs);
        AssertClose(expected.Value, actual.Value, $"{label} forward");
        for (int i = 0; i < inputs.Length; i++) AssertClose(expected.Grads[i], actual.Grads[i], $"{label} grad {i}");
    }

    internal static void AssertClose(float[] expected, float[] actual, string label, float tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{label}, element {i}: composite {expected[i]} vs fused {actual[i]}");
    }
}

public sealed class CpuFusedTests : FusedTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorFusedTests : FusedTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaFusedTests : FusedTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
