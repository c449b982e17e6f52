using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>
/// AdamW, as torch.optim.AdamW: Adam with decoupled weight decay, p = p·(1 − lr·λ) before the
/// Adam step (the gradient itself is not decayed). Default λ = 0.01.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over unnamed parameters.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : base(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: true)
    {
    }

    /// <summary>AdamW over named parameters (e.g. <c>model.NamedParameters()</c>).</summary>
    public AdamW(IEnumerable<(string Name, Tensor Tensor)> parameters, double learningRate = 1e-3, double beta1 = 0.9,
        double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : base(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: true)
    {
    }

    /// <summary>AdamW over parameter groups, each with its own learning rate and weight decay (torch's param_groups).</summary>
    public AdamW(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : base(groups, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: true)
    {
    }
}
