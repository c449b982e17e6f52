namespace DeepNet.Tensors;

/// <summary>
/// Hyper-parameters of one fused RMSprop update (<see cref="Tensor.RmsPropUpdate"/>), as torch.optim.RMSprop:
/// learning rate, smoothing α, eps, L2 weight decay λ, momentum μ (0: no buffer) and centered (normalize by the
/// variance estimate, keeping the gradient average). Kept in double; 1 − α is formed in double and rounded once.
/// </summary>
public readonly record struct RmsPropOptions(double LearningRate, double Alpha = 0.99, double Eps = 1e-8, double WeightDecay = 0,
    double Momentum = 0, bool Centered = false);
