namespace DeepNet.Tensors;

/// <summary>
/// Hyper-parameters of one fused Adam/AdamW update (<see cref="Tensor.AdamUpdate"/>), as torch.optim.Adam(W):
/// learning rate, betas, eps, weight decay λ (an L2 penalty, or with <paramref name="DecoupledWeightDecay"/>
/// AdamW's p·(1 − lr·λ)), and AMSGrad's running maximum of v. Kept in double; the kernel's float
/// constants (1 − β, bias corrections) are formed from these in double and rounded once.
/// </summary>
public readonly record struct AdamOptions(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8,
    double WeightDecay = 0, bool DecoupledWeightDecay = false, bool Amsgrad = false);
