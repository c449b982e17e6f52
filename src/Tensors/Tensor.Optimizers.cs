using DeepNet.Kernels;
using DeepNet.Kernels.Fused;

namespace DeepNet.Tensors;

// Fused, in-place optimizer updates: one kernel pass over parameter, gradient and state, for the
// optimizers (which may not call kernels themselves). Oracle: tests/DeepNet.Tests/Tensors/FusedOptimizerTests.
public sealed partial class Tensor
{
    /// <summary>
    /// One Adam (L2 weight decay) or AdamW (<paramref name="decoupledWeightDecay"/>) step on this
    /// parameter, in place, as torch.optim.Adam(W) at step count <paramref name="step"/> (≥ 1):
    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ)·m/(√v̂/√(1−β₂ᵗ) + ε), with
    /// v̂ = max(v̂, v) kept in <paramref name="maxExpAvgSq"/> for AMSGrad (null otherwise).
    /// grad, expAvg, expAvgSq (and maxExpAvgSq) have this shape; state tensors must be contiguous.
    /// </summary>
    public Tensor AdamUpdate(Tensor grad, Tensor expAvg, Tensor expAvgSq, long step, double learningRate,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0,
        bool decoupledWeightDecay = false, Tensor? maxExpAvgSq = null)
    {
        if (step < 1) throw new ArgumentException($"adam_update: step count must be >= 1, got {step}");
        CheckUpdateOperands("adam_update", grad, expAvg, expAvgSq, maxExpAvgSq);
        var hyper = new AdamStep
        {
            LearningRate = (float)learningRate, Beta1 = (float)beta1, Beta2 = (float)beta2, Eps = (float)eps,
            WeightDecay = (float)weightDecay, Decoupled = decoupledWeightDecay ? 1 : 0, Amsgrad = maxExpAvgSq is null ? 0 : 1,
            BiasCorrection1 = (float)(1 - Math.Pow(beta1, step)),
            BiasCorrection2Sqrt = (float)Math.Sqrt(1 - Math.Pow(beta2, step)),
        };
        using var g = grad.IsContiguous ? grad.Alias() : grad.Detach().Contiguous();
        Backend.AdamUpdate(hyper, Size, Slice(this), Slice(g), Slice(expAvg), Slice(expAvgSq),
            maxExpAvgSq is null ? null : Slice(maxExpAvgSq));
        return this;
    }

    /// <summary>
    /// One SGD step on this parameter, in place, as torch.optim.SGD: d = g + λ·p; with momentum μ,
    /// b = d when <paramref name="firstStep"/>, else b = μ·b + (1 − τ)·d, then d = d + μ·b (Nesterov)
    /// or d = b; p ← p − lr·d. <paramref name="momentumBuffer"/> (this shape, contiguous) is
    /// required when μ ≠ 0 and ignored otherwise.
    /// </summary>
    public Tensor SgdUpdate(Tensor grad, Tensor? momentumBuffer, double learningRate, double momentum = 0,
        double dampening = 0, double weightDecay = 0, bool nesterov = false, bool firstStep = false)
    {
        if (momentum != 0 && momentumBuffer is null)
            throw new ArgumentException($"sgd_update: momentum {momentum} needs a momentum buffer of shape {Shape}");
        var buffer = momentum != 0 ? momentumBuffer : null;
        CheckUpdateOperands("sgd_update", grad, buffer);
        var hyper = new SgdStep
        {
            LearningRate = (float)learningRate, Momentum = (float)momentum, Dampening = (float)dampening,
            WeightDecay = (float)weightDecay, HasMomentum = buffer is null ? 0 : 1, FirstStep = firstStep ? 1 : 0,
            Nesterov = nesterov ? 1 : 0,
        };
        using var g = grad.IsContiguous ? grad.Alias() : grad.Detach().Contiguous();
        Backend.SgdUpdate(hyper, Size, Slice(this), Slice(g), buffer is null ? null : Slice(buffer));
        return this;
    }

    private static ContiguousSlice Slice(Tensor t) => new(t.Buffer, t.Layout.Offset);

    /// <summary>Same device and shape as this parameter; this and the state tensors contiguous.</summary>
    private void CheckUpdateOperands(string op, Tensor grad, params Tensor?[] state)
    {
        CheckInPlace(op);
        foreach (var t in (Tensor?[])[grad, .. state])
        {
            if (t is null) continue;
            CheckSameDevice(op, this, t);
            if (t.Shape != Shape) throw new ArgumentException($"{op}: tensor {t.Shape} must have the parameter's shape {Shape}");
            if (!ReferenceEquals(t, grad) && !t.IsContiguous) throw new ArgumentException($"{op}: state tensor {t.Shape} must be contiguous");
        }
        if (!IsContiguous) throw new ArgumentException($"{op}: parameter {Shape} must be contiguous");
    }
}
