using DeepNet.Autograd;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Testing;

/// <summary>
/// Finite-difference gradient check. The output is projected to a scalar with fixed random
/// weights (so every output element matters), the projection is summed in double, and each
/// input element's analytic gradient is compared with the central difference.
/// </summary>
public static class GradCheck
{
    /// <summary>Step of the central difference: large enough for float32 round-off to stay small.</summary>
    public const double Epsilon = 1e-2;
    public const double AbsoluteTolerance = 2e-2;
    public const double RelativeTolerance = 2e-2;

    /// <summary>Checks d f(inputs) / d inputs for every input, given as host arrays with shapes.</summary>
    public static void Check(Func<Tensor[], Tensor> f, params (float[] Data, int[] Shape)[] inputs) =>
        Check(f, Device.Cpu, inputs);

    public static void Check(Func<Tensor[], Tensor> f, Device device, params (float[] Data, int[] Shape)[] inputs) =>
        Check(f, device, [], inputs);

    /// <summary>
    /// As <see cref="Check(Func{Tensor[], Tensor}, Device, ValueTuple{float[], int[]}[])"/>, but the last
    /// <paramref name="live"/>.Count inputs are not fresh tensors: their values are written into these
    /// existing leaves (a module's parameters) before every evaluation, and their gradients are read back.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, Device device, IReadOnlyList<Tensor> live, params (float[] Data, int[] Shape)[] inputs)
    {
        var originals = live.Select(t => t.ToArray()).ToArray();
        try
        {
            CheckAll(f, new LeafSource(device, live), inputs);
        }
        finally
        {
            for (int i = 0; i < live.Count; i++) Write(live[i], originals[i]);
        }
    }

    private static void CheckAll(Func<Tensor[], Tensor> f, LeafSource source, (float[] Data, int[] Shape)[] inputs)
    {
        var projection = Projection(f, source, inputs);
        var analytic = Analytic(f, source, inputs, projection);
        for (int i = 0; i < inputs.Length; i++)
        {
            var data = inputs[i].Data;
            for (int j = 0; j < data.Length; j++)
            {
                float saved = data[j];
                data[j] = (float)(saved + Epsilon);
                double plus = Evaluate(f, source, inputs, projection);
                data[j] = (float)(saved - Epsilon);
                double minus = Evaluate(f, source, inputs, projection);
                data[j] = saved;
                double numeric = (plus - minus) / (2 * Epsilon);
                double a = analytic[i][j];
                double tolerance = AbsoluteTolerance + RelativeTolerance * Math.Abs(numeric);
                Assert.True(Math.Abs(a - numeric) <= tolerance,
                    $"input {i} element {j}: analytic {a:G6} vs numeric {numeric:G6} (tolerance {tolerance:G3})");
            }
        }
    }

    private static float[] Projection(Func<Tensor[], Tensor> f, LeafSource source, (float[] Data, int[] Shape)[] inputs)
    {
        using var scope = new DisposeScope();
        var output = f(Make(inputs, source, requiresGrad: false));
        var rng = new Random(1234);
        return Enumerable.Range(0, (int)output.Size).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static float[][] Analytic(Func<Tensor[], Tensor> f, LeafSource source, (float[] Data, int[] Shape)[] inputs, float[] projection)
    {
        var leaves = Make(inputs, source, requiresGrad: true);
        using (var scope = new DisposeScope())
        {
            var output = f(leaves);
            using var weights = Tensor.FromArray(projection, output.Shape.ToArray(), output.Device);
            output.Mul(weights).Sum().Backward();
        }
        var grads = leaves.Select(t => t.Grad?.ToArray() ?? new float[t.Size]).ToArray();
        foreach (var t in leaves.Take(leaves.Length - source.Live.Count)) t.Dispose();
        foreach (var t in source.Live) t.ZeroGrad();
        return grads;
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, LeafSource source, (float[] Data, int[] Shape)[] inputs, float[] projection)
    {
        using var scope = new DisposeScope();
        var values = f(Make(inputs, source, requiresGrad: false)).ToArray();
        double sum = 0;
        for (int k = 0; k < values.Length; k++) sum += (double)values[k] * projection[k];
        return sum;
    }

    private static Tensor[] Make((float[] Data, int[] Shape)[] inputs, LeafSource source, bool requiresGrad)
    {
        int fresh = inputs.Length - source.Live.Count;
        var made = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (i < fresh)
            {
                made[i] = Tensor.FromArray(inputs[i].Data, inputs[i].Shape, source.Device).RequiresGradient(requiresGrad);
                continue;
            }
            made[i] = source.Live[i - fresh];
            Write(made[i], inputs[i].Data);
            made[i].ZeroGrad();
        }
        return made;
    }

    private static void Write(Tensor target, float[] data)
    {
        using var noGrad = GradMode.NoGrad();
        using var host = Tensor.FromArray(data, target.Shape.ToArray(), target.Device);
        target.CopyFrom(host);
    }

    private sealed record LeafSource(Device Device, IReadOnlyList<Tensor> Live);
}
