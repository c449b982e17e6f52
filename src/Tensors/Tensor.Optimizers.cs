using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Kernels.Fused;

namespace DeepNet.Tensors;

// Fused, in-place optimizer updates: one kernel pass over parameter, gradient and state, for the
// optimizers (which may not call kernels themselves). Each is a Kernels/Fused unit (AdamUpdateOp,
// SgdUpdateOp, RmsPropUpdateOp) holding the formula once. Oracle: tests/DeepNet.Tests/Tensors/FusedOptimizerTests.
public sealed partial class Tensor
{
    /// <summary>
    /// One Adam/AdamW step on this parameter, in place, as torch.optim.Adam(W) at step count
    /// <paramref name="step"/> (≥ 1): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ)·m/(√v̂/√(1−β₂ᵗ) + ε),
    /// v̂ = max(v̂, v) kept in <paramref name="maxExpAvgSq"/> with AMSGrad (required then, ignored otherwise).
    /// grad and the state tensors have this shape; this and the state tensors are contiguous.
    /// </summary>
    public Tensor AdamUpdate(Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, long step, AdamOptions options)
    {
        if (step < 1) throw new ArgumentException($"adam_update: step count must be >= 1, got {step}");
        if (options.Amsgrad && maxExpAvgSq is null)
            throw new ArgumentException($"adam_update: AMSGrad needs a max_exp_avg_sq tensor of shape {Shape}");
        var maxSq = options.Amsgrad ? maxExpAvgSq : null;
        CheckUpdateOperands("adam_update", grad, expAvg, expAvgSq, maxSq);
        var o = options;
        if (DType == DType.Float64)
        {
            AdamFloat64(grad, expAvg, expAvgSq, maxSq, step, o);
            return this;
        }
        var constants = AdamUpdateOp.Constants.Create(step, o.LearningRate, o.Beta1, o.Beta2, o.Eps, o.WeightDecay, o.DecoupledWeightDecay, o.Amsgrad);
        using var g = ContiguousGrad(grad);
        Backend.Run(new AdamUpdateOp(constants, Size, Slice(this), Slice(g), Slice(expAvg), Slice(expAvgSq), SliceOrNull(maxSq)));
        return this;
    }

    /// <summary>
    /// One SGD step on this parameter, in place, as torch.optim.SGD: d = g + λ·p; with momentum μ,
    /// b = d when <paramref name="firstStep"/>, else b = μ·b + (1 − τ)·d, then d = d + μ·b (Nesterov)
    /// or d = b; p ← p − lr·d. <paramref name="momentumBuffer"/> (this shape, contiguous) is
    /// required when μ ≠ 0 and ignored otherwise.
    /// </summary>
    public Tensor SgdUpdate(Tensor grad, Tensor? momentumBuffer, bool firstStep, SgdOptions options)
    {
        if (options.Momentum != 0 && momentumBuffer is null)
            throw new ArgumentException($"sgd_update: momentum {options.Momentum} needs a momentum buffer of shape {Shape}");
        var buffer = options.Momentum != 0 ? momentumBuffer : null;
        CheckUpdateOperands("sgd_update", grad, buffer);
        var o = options;
        if (DType == DType.Float64)
        {
            SgdFloat64(grad, buffer, firstStep, o);
            return this;
        }
        var constants = SgdUpdateOp.Constants.Create(o.LearningRate, o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov, firstStep);
        using var g = ContiguousGrad(grad);
        Backend.Run(new SgdUpdateOp(constants, Size, Slice(this), Slice(g), SliceOrNull(buffer)));
        return this;
    }

    /// <summary>
    /// One RMSprop step on this parameter, in place, as torch.optim.RMSprop: g ← g + λ·p; v ← α·v + (1 − α)·g²;
    /// centered: ḡ ← α·ḡ + (1 − α)·g and d = √(v − ḡ²) + ε, else d = √v + ε; with momentum μ &gt; 0: b ← μ·b + g/d,
    /// p ← p − lr·b, else p ← p − lr·g/d. <paramref name="gradAvg"/> is required when centered and
    /// <paramref name="momentumBuffer"/> when μ &gt; 0 (each ignored otherwise); state tensors: this shape, contiguous.
    /// </summary>
    public Tensor RmsPropUpdate(Tensor grad, Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, RmsPropOptions options)
    {
        if (options.Centered && gradAvg is null)
            throw new ArgumentException($"rmsprop_update: centered RMSprop needs a grad_avg tensor of shape {Shape}");
        if (options.Momentum > 0 && momentumBuffer is null)
            throw new ArgumentException($"rmsprop_update: momentum {options.Momentum} needs a momentum buffer of shape {Shape}");
        var (avg, buffer) = (options.Centered ? gradAvg : null, options.Momentum > 0 ? momentumBuffer : null);
        CheckUpdateOperands("rmsprop_update", grad, squareAvg, avg, buffer);
        var o = options;
        if (DType == DType.Float64)
        {
            RmsPropFloat64(grad, squareAvg, avg, buffer, o);
            return this;
        }
        var constants = RmsPropUpdateOp.Constants.Create(o.LearningRate, o.Alpha, o.Eps, o.WeightDecay, o.Momentum, o.Centered);
        using var g = ContiguousGrad(grad);
        Backend.Run(new RmsPropUpdateOp(constants, Size, Slice(this), Slice(g), Slice(squareAvg), SliceOrNull(avg), SliceOrNull(buffer)));
        return this;
    }

    // Float64 parameters: the same formulas as composites of double ops, every constant in double
    // (the fused kernels are float32). State tensors are in the parameter's dtype (ParameterState).
    private void AdamFloat64(Tensor grad, Tensor m, Tensor v, Tensor? vMax, long step, AdamOptions o)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        var g = grad.Detach().To(DType.Float64);
        if (o.DecoupledWeightDecay) CopyFrom(this * D(1 - o.LearningRate * o.WeightDecay));
        else if (o.WeightDecay != 0) g = g + this * D(o.WeightDecay);
        m.CopyFrom(m * D(o.Beta1) + g * D(1 - o.Beta1));
        v.CopyFrom(v * D(o.Beta2) + g * g * D(1 - o.Beta2));
        var second = v;
        if (vMax is not null)
        {
            vMax.CopyFrom(vMax.Maximum(v));
            second = vMax;
        }
        double stepSize = o.LearningRate / (1 - Math.Pow(o.Beta1, step));
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(o.Beta2, step));
        CopyFrom(this - m * D(stepSize) / (second.Sqrt() / D(biasCorrection2Sqrt) + D(o.Eps)));
    }

    private void SgdFloat64(Tensor grad, Tensor? buffer, bool firstStep, SgdOptions o)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        var d = grad.Detach().To(DType.Float64);
        if (o.WeightDecay != 0) d = d + this * D(o.WeightDecay);
        if (buffer is not null)
        {
            buffer.CopyFrom(firstStep ? d : buffer * D(o.Momentum) + d * D(1 - o.Dampening));
            d = o.Nesterov ? d + buffer * D(o.Momentum) : buffer;
        }
        CopyFrom(this - d * D(o.LearningRate));
    }

    private void RmsPropFloat64(Tensor grad, Tensor squareAvg, Tensor? gradAvg, Tensor? buffer, RmsPropOptions o)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        var g = grad.Detach().To(DType.Float64);
        if (o.WeightDecay != 0) g = g + this * D(o.WeightDecay);
        squareAvg.CopyFrom(squareAvg * D(o.Alpha) + g * g * D(1 - o.Alpha));
        Tensor avg;
        if (gradAvg is not null)
        {
            gradAvg.CopyFrom(gradAvg * D(o.Alpha) + g * D(1 - o.Alpha));
            avg = (squareAvg - gradAvg * gradAvg).Sqrt() + D(o.Eps);
        }
        else avg = squareAvg.Sqrt() + D(o.Eps);
        if (buffer is not null)
        {
            buffer.CopyFrom(buffer * D(o.Momentum) + g / avg);
            CopyFrom(this - buffer * D(o.LearningRate));
        }
        else CopyFrom(this - g / avg * D(o.LearningRate));
    }

    /// <summary>A Float64 scalar on this tensor's device (a double constant, unrounded).</summary>
    private Tensor D(double value) => Full([], value, DType.Float64, Device);

    private static Tensor ContiguousGrad(Tensor grad) => grad.IsContiguous ? grad.Alias() : grad.Detach().Contiguous();

    private static ContiguousSlice Slice(Tensor t) => new(t.Buffer, t.Layout.Offset);

    private static ContiguousSlice? SliceOrNull(Tensor? t) => t is null ? null : Slice(t);

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
