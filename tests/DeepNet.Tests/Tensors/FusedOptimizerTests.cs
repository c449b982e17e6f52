using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;
using DeepNet.Tests.Layers;
using DeepNet.Autograd;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Tensor.AdamUpdate and Tensor.SgdUpdate against the torch.optim update formulas evaluated in
/// double, over several steps with changing gradients, at a length with a SIMD tail (37).
/// Written once, run on the CPU, the GPU emulator and CUDA (skipped with a reason when absent).
/// </summary>
public abstract class FusedOptimizerTests
{
    private const float Tolerance = 1e-5f;
    private const int Length = 37;
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
                    param.AdamUpdate(grad, expAvg, expAvgSq, t, lr, beta1, beta2, eps, weightDecay, decoupled, maxSq);
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
                    param.SgdUpdate(grad, buffer, lr, momentum, dampening, weightDecay, nesterov, firstStep: t == 1);
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
    public void Updates_RefuseMismatchedShapes_AndParametersInAGraph()
    {
        using var param = Tensor.Zeros([4], Device);
        using var grad = Tensor.Zeros([5], Device);
        using var state = Tensor.Zeros([4], Device);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() => param.SgdUpdate(grad, null, 0.1)).Message);
        using var leaf = Tensor.Zeros([4], Device).RequiresGradient();
        using var g4 = Tensor.Zeros([4], Device);
        Assert.Throws<InvalidOperationException>(() => leaf.AdamUpdate(g4, state, state, 1, 0.1));
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
