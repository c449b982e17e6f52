using DeepNet.Autograd;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Testing;

/// <summary>
/// Finite-difference gradient check. The output is projected to a scalar with fixed random
/// weights (so every output element matters), the projection is summed in double, and each
/// input element's analytic gradient is compared with the central difference.
/// <see cref="Check(Func{Tensor[], Tensor}, ValueTuple{float[], int[]}[])"/> runs twice: in Float64
/// with torch.autograd.gradcheck's step and a tight tolerance (the check that catches a wrong
/// gradient), then in Float32 with a step large enough for float32 round-off (the float32 kernels).
/// In Float64 the output and every gradient must be Float64: a silent float32 step fails the check.
/// </summary>
public static class GradCheck
{
    /// <summary>Float32 step of the central difference: large enough for float32 round-off to stay small.</summary>
    public const double Epsilon = 1e-2;
    public const double AbsoluteTolerance = 2e-2;
    public const double RelativeTolerance = 2e-2;

    /// <summary>Float64 step (torch.autograd.gradcheck's eps).</summary>
    public const double Float64Epsilon = 1e-6;
    public const double Float64AbsoluteTolerance = 1e-5;
    public const double Float64RelativeTolerance = 1e-5;

    /// <summary>Checks d f(inputs) / d inputs for every input, given as host arrays with shapes, in Float64 and in Float32.</summary>
    public static void Check(Func<Tensor[], Tensor> f, params (float[] Data, int[] Shape)[] inputs) =>
        Check(f, Device.Cpu, inputs);

    public static void Check(Func<Tensor[], Tensor> f, Device device, params (float[] Data, int[] Shape)[] inputs) =>
        Check(f, device, [], inputs);

    /// <summary>
    /// As <see cref="Check(Func{Tensor[], Tensor}, Device, ValueTuple{float[], int[]}[])"/>, but the last
    /// <paramref name="live"/>.Count inputs are not fresh tensors: their values are written into these
    /// existing leaves (a module's parameters) before every evaluation, and their gradients are read back.
    /// With live leaves the check runs in their dtype only (ModuleGradCheck converts the module for Float64).
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, Device device, IReadOnlyList<Tensor> live, params (float[] Data, int[] Shape)[] inputs)
    {
        if (live.Count > 0)
        {
            CheckIn(live[0].DType, f, device, live, inputs);
            return;
        }
        CheckFloat64(f, device, inputs);
        CheckFloat32(f, device, inputs);
    }

    /// <summary>The Float64 check alone.</summary>
    public static void CheckFloat64(Func<Tensor[], Tensor> f, Device device, params (float[] Data, int[] Shape)[] inputs) =>
        CheckIn(DType.Float64, f, device, [], inputs);

    /// <summary>The Float32 check alone: for an op whose Float64 form is checked elsewhere or does not exist (say why at the call site).</summary>
    public static void CheckFloat32(Func<Tensor[], Tensor> f, Device device, params (float[] Data, int[] Shape)[] inputs) =>
        CheckIn(DType.Float32, f, device, [], inputs);

    private static void CheckIn(DType dtype, Func<Tensor[], Tensor> f, Device device, IReadOnlyList<Tensor> live, (float[] Data, int[] Shape)[] inputs)
    {
        var mode = new Mode(dtype, device, live);
        var values = inputs.Select(i => (i.Data.Select(v => (double)v).ToArray(), i.Shape)).ToArray();
        var originals = live.Select(t => ReadDouble(t)).ToArray();
        try
        {
            CheckAll(f, mode, values);
        }
        finally
        {
            for (int i = 0; i < live.Count; i++) Write(live[i], originals[i]);
        }
    }

    private static void CheckAll(Func<Tensor[], Tensor> f, Mode mode, (double[] Data, int[] Shape)[] inputs)
    {
        var projection = Projection(f, mode, inputs);
        var analytic = Analytic(f, mode, inputs, projection);
        double eps = mode.Epsilon;
        for (int i = 0; i < inputs.Length; i++)
        {
            var data = inputs[i].Data;
            for (int j = 0; j < data.Length; j++)
            {
                double saved = data[j];
                data[j] = mode.Round(saved + eps);
                double plus = Evaluate(f, mode, inputs, projection);
                data[j] = mode.Round(saved - eps);
                double minus = Evaluate(f, mode, inputs, projection);
                data[j] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic[i][j];
                double tolerance = mode.AbsoluteTolerance + mode.RelativeTolerance * Math.Abs(numeric);
                Assert.True(Math.Abs(a - numeric) <= tolerance,
                    $"{mode.DType}: input {i} element {j}: analytic {a:G9} vs numeric {numeric:G9} (tolerance {tolerance:G3})");
            }
        }
    }

    private static double[] Projection(Func<Tensor[], Tensor> f, Mode mode, (double[] Data, int[] Shape)[] inputs)
    {
        using var scope = new DisposeScope();
        var output = f(Make(inputs, mode, requiresGrad: false));
        var rng = new Random(1234);
        return Enumerable.Range(0, (int)output.Size).Select(_ => (double)(float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static double[][] Analytic(Func<Tensor[], Tensor> f, Mode mode, (double[] Data, int[] Shape)[] inputs, double[] projection)
    {
        var leaves = Make(inputs, mode, requiresGrad: true);
        using (var scope = new DisposeScope())
        {
            var output = f(leaves);
            CheckDType(mode, output, "the output");
            using var weights = mode.FromDouble(projection, output.Shape.ToArray());
            output.Mul(weights).Sum().Backward();
        }
        var grads = leaves.Select((t, i) =>
        {
            if (t.Grad is null) return new double[t.Size];
            CheckDType(mode, t.Grad, $"the gradient of input {i}");
            return ReadDouble(t.Grad);
        }).ToArray();
        foreach (var t in leaves.Take(leaves.Length - mode.Live.Count)) t.Dispose();
        foreach (var t in mode.Live) t.ZeroGrad();
        return grads;
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Mode mode, (double[] Data, int[] Shape)[] inputs, double[] projection)
    {
        using var scope = new DisposeScope();
        var values = ReadDouble(f(Make(inputs, mode, requiresGrad: false)));
        double sum = 0;
        for (int k = 0; k < values.Length; k++) sum += values[k] * projection[k];
        return sum;
    }

    private static Tensor[] Make((double[] Data, int[] Shape)[] inputs, Mode mode, bool requiresGrad)
    {
        int fresh = inputs.Length - mode.Live.Count;
        var made = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (i < fresh)
            {
                made[i] = mode.FromDouble(inputs[i].Data, inputs[i].Shape).RequiresGradient(requiresGrad);
                continue;
            }
            made[i] = mode.Live[i - fresh];
            Write(made[i], inputs[i].Data);
            made[i].ZeroGrad();
        }
        return made;
    }

    private static void CheckDType(Mode mode, Tensor t, string what)
    {
        if (mode.DType == DType.Float64 && t.DType != DType.Float64)
            Assert.Fail($"Float64 gradcheck: {what} is {t.DType}; a Float64 computation must stay Float64");
    }

    private static double[] ReadDouble(Tensor t)
    {
        using var noGrad = GradMode.NoGrad();
        using var wide = t.Detach().To(DType.Float64);
        return wide.ToArray<double>();
    }

    private static void Write(Tensor target, double[] data)
    {
        using var noGrad = GradMode.NoGrad();
        using var host = Tensor.FromArray(data, target.Shape.ToArray(), target.Device);
        using var cast = host.To(target.DType);
        target.CopyFrom(cast);
    }

    private sealed record Mode(DType DType, Device Device, IReadOnlyList<Tensor> Live)
    {
        public double Epsilon => DType == DType.Float64 ? Float64Epsilon : GradCheck.Epsilon;
        public double AbsoluteTolerance => DType == DType.Float64 ? Float64AbsoluteTolerance : GradCheck.AbsoluteTolerance;
        public double RelativeTolerance => DType == DType.Float64 ? Float64RelativeTolerance : GradCheck.RelativeTolerance;

        /// <summary>The value the leaf will hold: float32 inputs are rounded, so the difference quotient uses the real step.</summary>
        public double Round(double v) => DType == DType.Float64 ? v : (float)v;

        public Tensor FromDouble(double[] data, int[] shape)
        {
            if (DType == DType.Float64) return Tensor.FromArray(data, shape, Device);
            return Tensor.FromArray(data.Select(v => (float)v).ToArray(), shape, Device);
        }
    }
}
