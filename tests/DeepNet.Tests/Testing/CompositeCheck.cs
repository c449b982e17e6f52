using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Testing;

/// <summary>
/// A fused op against the composite it replaces on one device: the forward values and the gradient
/// of every input under a fixed non-uniform projection of the output to a scalar.
/// </summary>
public static class CompositeCheck
{
    public const float Tolerance = 2e-5f;

    /// <summary>The output values and each input's gradient of f on fresh leaves of the device.</summary>
    public static (float[] Value, float[][] Grads) Run(Device device, Func<Tensor[], Tensor> f, (float[] Data, int[] Shape)[] inputs)
    {
        using var scope = new DisposeScope();
        var leaves = inputs.Select(i => Tensor.FromArray(i.Data, i.Shape, device).RequiresGradient()).ToArray();
        var output = f(leaves);
        // Every output element gets its own weight, so a gradient routed to the wrong element shows.
        var weights = Enumerable.Range(0, (int)output.Size).Select(i => 0.5f + 0.25f * (i % 5) - 0.3f * (i % 3)).ToArray();
        using var w = Tensor.FromArray(weights, output.Shape.ToArray(), device);
        output.Mul(w).Sum().Backward();
        return (output.ToArray(), leaves.Select(l => l.Grad?.ToArray() ?? new float[l.Size]).ToArray());
    }

    /// <summary>Asserts fused and composite agree, forward and every gradient, within a relative tolerance.</summary>
    public static void AssertSame(Device device, Func<Tensor[], Tensor> fused, Func<Tensor[], Tensor> composite, string label,
        float tolerance, params (float[] Data, int[] Shape)[] inputs)
    {
        var expected = Run(device, composite, inputs);
        var actual = Run(device, fused, inputs);
        AssertClose(expected.Value, actual.Value, $"{label} forward", tolerance);
        for (int i = 0; i < inputs.Length; i++) AssertClose(expected.Grads[i], actual.Grads[i], $"{label} grad {i}", tolerance);
    }

    public static void AssertClose(float[] expected, float[] actual, string label, float tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]))
            {
                Assert.True(float.IsNaN(actual[i]), $"{label}, element {i}: composite NaN vs fused {actual[i]}");
                continue;
            }
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{label}, element {i}: composite {expected[i]} vs fused {actual[i]}");
        }
    }
}
