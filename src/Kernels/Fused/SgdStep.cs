namespace DeepNet.Kernels.Fused;

/// <summary>
/// Hyper-parameters of one fused SGD update, as torch.optim.SGD: d = g + λ·p; with momentum μ,
/// b = d on the first step, else b = μ·b + (1 − τ)·d, then d = d + μ·b (Nesterov) or d = b;
/// p ← p − lr·d. A plain struct: it is a GPU kernel argument.
/// </summary>
public struct SgdStep
{
    public float LearningRate, Momentum, Dampening, WeightDecay;

    /// <summary>1 when a momentum buffer is used (μ ≠ 0).</summary>
    public int HasMomentum;

    /// <summary>1 on the buffer's first step (b = d).</summary>
    public int FirstStep;

    public int Nesterov;

    /// <summary>The update of one element; <paramref name="b"/> is the momentum buffer's element.</summary>
    public readonly float Update(float p, float g, ref float b)
    {
        float d = g + WeightDecay * p;
        if (HasMomentum != 0)
        {
            b = FirstStep != 0 ? d : Momentum * b + (1f - Dampening) * d;
            d = Nesterov != 0 ? d + Momentum * b : b;
        }
        return p - LearningRate * d;
    }
}
