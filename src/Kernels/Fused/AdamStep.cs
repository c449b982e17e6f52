namespace DeepNet.Kernels.Fused;

/// <summary>
/// Hyper-parameters of one fused Adam/AdamW update, as torch.optim.Adam(W) with step count t:
/// decoupled: p ← p·(1 − lr·λ), else g ← g + λ·p; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
/// v̂ = max(v̂, v) with AMSGrad, else v; p ← p − (lr / BiasCorrection1)·m / (√v̂ / BiasCorrection2Sqrt + ε),
/// BiasCorrection1 = 1 − β₁ᵗ, BiasCorrection2Sqrt = √(1 − β₂ᵗ). A plain struct: it is a GPU kernel argument.
/// </summary>
public struct AdamStep
{
    public float LearningRate, Beta1, Beta2, Eps, WeightDecay, BiasCorrection1, BiasCorrection2Sqrt;

    /// <summary>1 for AdamW's decoupled decay, 0 for Adam's L2 penalty.</summary>
    public int Decoupled;

    /// <summary>1 when the AMSGrad running maximum is kept.</summary>
    public int Amsgrad;

    /// <summary>The update of one element (the scalar reference; the SIMD and GPU bodies follow it).</summary>
    public readonly float Update(float p, float g, ref float m, ref float v, ref float vMax)
    {
        if (Decoupled != 0) p *= 1f - LearningRate * WeightDecay;
        else g += WeightDecay * p;
        m = Beta1 * m + (1f - Beta1) * g;
        v = Beta2 * v + (1f - Beta2) * g * g;
        float vHat = v;
        if (Amsgrad != 0)
        {
            vMax = MathF.Max(vMax, v);
            vHat = vMax;
        }
        return p - LearningRate / BiasCorrection1 * m / (MathF.Sqrt(vHat) / BiasCorrection2Sqrt + Eps);
    }
}
