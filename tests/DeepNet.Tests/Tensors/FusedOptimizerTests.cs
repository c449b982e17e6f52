using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;
using DeepNet.Tests.Layers;
using DeepNet.Autograd;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Tensor.AdamUpdate, Tensor.SgdUpdate and Tensor.RmsPropUpdate against the torch.optim update formulas evaluated in
/// double, over several steps with changing gradients, at a length with a SIMD tail (37).
/// Written once, run on the CPU, the GPU emulator and CUDA (skipped with a reason when absent).
/// </summary>
public abstract class FusedOptimizerTests
{
    private const float Tolerance = 1e-5f;
    private const int Length = 37;
    private const float RmsPropTolerance = 1e-4f;
    private const double TrajectoryTolerance = 3e-6;
    private const int Steps = 4;

    protected abstract Device Device { get; }

    [ParityFact]
    public void AdamUpdate_MatchesTorchFormulas_ForL2DecoupledAndAmsgrad()
    {
        foreach (var (weightDecay, decoupled, amsgrad) in new[] { (0.0, false, false), (0.1, false, false), (0.05, true, false), (0.1, false, true) })
        {
            const double lr = 0.01, beta1 = 0.9, beta2 = 0.99, eps = 1e-6;
            double[] p = Values(1), m = new double[Length], v = new double[Length], vMax = new double[Length];
            using var param = Tensor.FromArray(ToFloat(p), Device);
            using var expAvg = Tensor.Zeros([Length], Device);
            using var expAvgSq = Tensor.Zeros([Length], Device);
            using var maxSq = amsgrad ? Tensor.Zeros([Length], Device) : null;
            for (int t = 1; t <= Steps; t++)
            {
                double[] g = Values(10 + t);
                using (var grad = Tensor.FromArray(ToFloat(g), Device))
                using (GradMode.NoGrad())
                    param.AdamUpdate(grad, expAvg, expAvgSq, maxSq, t, new AdamOptions(lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad));
                for (int i = 0; i < Length; i++)
                {
                    double gi = g[i];
                    if (decoupled) p[i] *= 1 - lr * weightDecay;
                    else gi += weightDecay * p[i];
                    m[i] = beta1 * m[i] + (1 - beta1) * gi;
                    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                    vMax[i] = Math.Max(vMax[i], v[i]);
                    double denom = Math.Sqrt(amsgrad ? vMax[i] : v[i]) / Math.Sqrt(1 - Math.Pow(beta2, t)) + eps;
                    p[i] -= lr / (1 - Math.Pow(beta1, t)) * m[i] / denom;
                }
                string label = $"adam wd={weightDecay} decoupled={decoupled} amsgrad={amsgrad} step {t}";
                FusedTests.AssertClose(ToFloat(p), param.ToArray(), label + " param", Tolerance);
                FusedTests.AssertClose(ToFloat(m), expAvg.ToArray(), label + " exp_avg", Tolerance);
                FusedTests.AssertClose(ToFloat(v), expAvgSq.ToArray(), label + " exp_avg_sq", Tolerance);
            }
        }
    }

    [ParityFact]
    public void SgdUpdate_MatchesTorchFormulas_ForMomentumDampeningNesterovAndDecay()
    {
        foreach (var (momentum, dampening, weightDecay, nesterov) in new[]
                 { (0.0, 0.0, 0.0, false), (0.9, 0.0, 0.0, false), (0.9, 0.3, 0.01, false), (0.8, 0.0, 0.1, true) })
        {
            const double lr = 0.1;
            double[] p = Values(2), b = new double[Length];
            using var param = Tensor.FromArray(ToFloat(p), Device);
            using var buffer = Tensor.Zeros([Length], Device);
            for (int t = 1; t <= Steps; t++)
            {
                double[] g = Values(20 + t);
                using (var grad = Tensor.FromArray(ToFloat(g), Device))
                using (GradMode.NoGrad())
                    param.SgdUpdate(grad, buffer, firstStep: t == 1, new SgdOptions(lr, momentum, dampening, weightDecay, nesterov));
                for (int i = 0; i < Length; i++)
                {
                    double d = g[i] + weightDecay * p[i];
                    if (momentum != 0)
                    {
                        b[i] = t == 1 ? d : momentum * b[i] + (1 - dampening) * d;
                        d = nesterov ? d + momentum * b[i] : b[i];
                    }
                    p[i] -= lr * d;
                }
                string label = $"sgd momentum={momentum} dampening={dampening} wd={weightDecay} nesterov={nesterov} step {t}";
                FusedTests.AssertClose(ToFloat(p), param.ToArray(), label + " param", Tolerance);
                if (momentum != 0) FusedTests.AssertClose(ToFloat(b), buffer.ToArray(), label + " buffer", Tolerance);
            }
        }
    }

    [ParityFact]
    public void RmsPropUpdate_MatchesTorchFormulas_PlainCenteredAndMomentum()
    {
        foreach (var (weightDecay, momentum, centered) in new[] { (0.0, 0.0, false), (0.0, 0.0, true), (0.0, 0.9, false), (0.1, 0.9, true) })
        {
            const double lr = 0.01, alpha = 0.99, eps = 1e-8;
            double[] p = Values(3), v = new double[Length], gAvg = new double[Length], b = new double[Length];
            using var param = Tensor.FromArray(ToFloat(p), Device);
            using var squareAvg = Tensor.Zeros([Length], Device);
            using var gradAvg = Tensor.Zeros([Length], Device);
            using var buffer = Tensor.Zeros([Length], Device);
            for (int t = 1; t <= Steps; t++)
            {
                double[] g = Values(30 + t);
                using (var grad = Tensor.FromArray(ToFloat(g), Device))
                using (GradMode.NoGrad())
                    param.RmsPropUpdate(grad, squareAvg, gradAvg, buffer, new RmsPropOptions(lr, alpha, eps, weightDecay, momentum, centered));
                for (int i = 0; i < Length; i++)
                {
                    double gi = g[i] + weightDecay * p[i];
                    v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
                    gAvg[i] = alpha * gAvg[i] + (1 - alpha) * gi;
                    double d = Math.Sqrt(centered ? v[i] - gAvg[i] * gAvg[i] : v[i]) + eps;
                    b[i] = momentum * b[i] + gi / d;
                    p[i] -= lr * (momentum > 0 ? b[i] : gi / d);
                }
                string label = $"rmsprop wd={weightDecay} momentum={momentum} centered={centered} step {t}";
                // Early steps divide by √v ≈ |g|/10: float rounding grows, hence the relative tolerance.
                FusedTests.AssertClose(ToFloat(p), param.ToArray(), label + " param", RmsPropTolerance);
                FusedTests.AssertClose(ToFloat(v), squareAvg.ToArray(), label + " square_avg", Tolerance);
                if (centered) FusedTests.AssertClose(ToFloat(gAvg), gradAvg.ToArray(), label + " grad_avg", Tolerance);
                if (momentum > 0) FusedTests.AssertClose(ToFloat(b), buffer.ToArray(), label + " momentum_buffer", RmsPropTolerance);
            }
        }
    }

    /// <summary>
    /// Five steps at β₂ = 0.999 against float64: 1 − β₂ formed in float from 0.999f (0.000999987, 1.3e-5
    /// relative off) would miss exp_avg_sq and the parameters by far more than this tolerance.
    /// </summary>
    [ParityFact]
    public void AdamUpdate_FiveSteps_AtBeta2_0999_MatchFloat64Trajectory()
    {
        const double lr = 1.0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        double[] p = new double[Length], m = new double[Length], v = new double[Length];
        using var param = Tensor.Zeros([Length], Device);
        using var expAvg = Tensor.Zeros([Length], Device);
        using var expAvgSq = Tensor.Zeros([Length], Device);
        for (int t = 1; t <= 5; t++)
        {
            double[] g = ToFloat(Values(40 + t)).Select(x => (double)x).ToArray();
            using (var grad = Tensor.FromArray(ToFloat(g), Device))
            using (GradMode.NoGrad())
                param.AdamUpdate(grad, expAvg, expAvgSq, null, t, new AdamOptions(lr, beta1, beta2, eps));
            for (int i = 0; i < Length; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                p[i] -= lr / (1 - Math.Pow(beta1, t)) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(beta2, t)) + eps);
            }
            AssertRelative(v, expAvgSq.ToArray(), $"exp_avg_sq step {t}", floor: 1e-12);
            AssertRelative(p, param.ToArray(), $"param step {t}", floor: lr);
        }
    }

    [ParityFact]
    public void Updates_RefuseMismatchedShapes_AndParametersInAGraph()
    {
        using var param = Tensor.Zeros([4], Device);
        using var grad = Tensor.Zeros([5], Device);
        using var state = Tensor.Zeros([4], Device);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() => param.SgdUpdate(grad, null, false, new SgdOptions(0.1))).Message);
        using var leaf = Tensor.Zeros([4], Device).RequiresGradient();
        using var g4 = Tensor.Zeros([4], Device);
        Assert.Throws<InvalidOperationException>(() => leaf.AdamUpdate(g4, state, state, null, 1, new AdamOptions(0.1)));
        Assert.Contains("max_exp_avg_sq", Assert.Throws<ArgumentException>(() =>
            param.AdamUpdate(g4, state, state, null, 1, new AdamOptions(0.1, Amsgrad: true))).Message);
        Assert.Contains("grad_avg", Assert.Throws<ArgumentException>(() =>
            param.RmsPropUpdate(g4, state, null, null, new RmsPropOptions(0.1, Centered: true))).Message);
    }

    [ParityFact]
    public void AdamUpdateAll_EqualsOneUpdateAtATime_ForMixedShapesAndDtypes()
    {
        // Float32 and Float64 parameters of several shapes, each with its own step count and decay.
        int[][] shapes = [[3, 4], [1], [37], [2, 3, 5]];
        var dtypes = new[] { DType.Float32, DType.Float64, DType.Float32, DType.Float32 };
        using var scope = new DisposeScope();
        var g = new Generator(9);
        Tensor Make(int k) => Tensor.Randn(shapes[k], g, Device).To(dtypes[k]);
        var one = shapes.Select((_, k) => Enumerable.Range(0, 5).Select(_ => Make(k)).ToArray()).ToArray();
        var all = one.Select(ts => ts.Select(t => t.Clone()).ToArray()).ToArray();
        foreach (var ts in (Tensor[][])[.. one, .. all]) { ts[3].CopyFrom(ts[3].Abs()); ts[4].CopyFrom(ts[3]); }
        using (GradMode.NoGrad())
        {
            AdamOptions Options(int k) => new(0.01, WeightDecay: 0.1 * k, DecoupledWeightDecay: k % 2 == 0, Amsgrad: k != 1);
            for (int k = 0; k < shapes.Length; k++)
                one[k][0].AdamUpdate(one[k][1], one[k][2], one[k][3], one[k][4], k + 1, Options(k));
            Tensor.AdamUpdateAll([.. all.Select((ts, k) => new AdamUpdateItem(ts[0], ts[1], ts[2], ts[3], ts[4], k + 1, Options(k)))]);
        }
        for (int k = 0; k < shapes.Length; k++)
        for (int i = 0; i < 5; i++)
            Assert.Equal(one[k][i].To(DType.Float64).ToArray<double>(), all[k][i].To(DType.Float64).ToArray<double>());
    }

    [ParityFact]
    public void UpdateAll_RefusesAParameterTwice_AndChecksEveryItemBeforeUpdating()
    {
        using var scope = new DisposeScope();
        var p = Tensor.Ones([4], Device);
        var q = Tensor.Ones([4], Device);
        var g = Tensor.Ones([4], Device);
        var bad = Tensor.Ones([5], Device);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            Tensor.SgdUpdateAll([new(p, g, null, false, new SgdOptions(0.1)), new(p, g, null, false, new SgdOptions(0.1))])).Message);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() =>
            Tensor.SgdUpdateAll([new(p, g, null, false, new SgdOptions(0.1)), new(q, bad, null, false, new SgdOptions(0.1))])).Message);
        Assert.Equal([1f, 1f, 1f, 1f], p.ToArray());
        Assert.Contains("grad_avg", Assert.Throws<ArgumentException>(() =>
            Tensor.RmsPropUpdateAll([new(p, g, q, null, null, new RmsPropOptions(0.1, Centered: true))])).Message);
    }

    // Float rounding of a few ops (about 6e-8 relative each) plus 0.999f's own 1.3e-8; the float-rounded 1 − β₂ is
    // 1.3e-5 off. Errors are relative to max(|expected|, floor): the parameters move by about lr a step.
    private static void AssertRelative(double[] expected, float[] actual, string label, double floor)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), floor);
            Assert.True(error < TrajectoryTolerance, $"{label}[{i}]: {actual[i]} vs {expected[i]} (relative {error:E2})");
        }
    }

    private static double[] Values(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Length).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}

public sealed class CpuFusedOptimizerTests : FusedOptimizerTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorFusedOptimizerTests : FusedOptimizerTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaFusedOptimizerTests : FusedOptimizerTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
