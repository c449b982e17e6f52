namespace DeepNet.Tensors;

/// <summary>
/// Hyper-parameters of one fused SGD update (<see cref="Tensor.SgdUpdate"/>), as torch.optim.SGD: learning rate,
/// momentum μ (0: no buffer), dampening τ, L2 weight decay λ and Nesterov momentum. Kept in double; 1 − τ is formed
/// in double and rounded once.
/// </summary>
public readonly record struct SgdOptions(double LearningRate, double Momentum = 0, double Dampening = 0, double WeightDecay = 0,
    bool Nesterov = false);
