using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>
/// Adam, as torch.optim.Adam: g = ∇ + λ·p (L2 weight decay); m = β₁·m + (1 − β₁)·g;
/// v = β₂·v + (1 − β₂)·g²; with AMSGrad v̂ = max(v̂, v) else v̂ = v;
/// p = p − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε), t the parameter's step count.
/// State slots: "exp_avg", "exp_avg_sq" and, with AMSGrad, "max_exp_avg_sq".
/// </summary>
public class Adam : Optimizer
{
    private const string ExpAvg = "exp_avg";
    private const string ExpAvgSq = "exp_avg_sq";
    private const string MaxExpAvgSq = "max_exp_avg_sq";

    private readonly bool _decoupledWeightDecay;

    /// <summary>Adam over unnamed parameters; see the class summary for the update.</summary>
    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: false)
    {
    }

    /// <summary>Adam over named parameters (e.g. <c>model.NamedParameters()</c>).</summary>
    public Adam(IEnumerable<(string Name, Tensor Tensor)> parameters, double learningRate = 1e-3, double beta1 = 0.9,
        double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: false)
    {
    }

    /// <summary>Adam over parameter groups, each with its own learning rate and weight decay (torch's param_groups).</summary>
    public Adam(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(groups, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: false)
    {
    }

    private protected Adam(IEnumerable<ParameterGroup> groups, double learningRate, double beta1, double beta2, double eps,
        double weightDecay, bool amsgrad, bool decoupledWeightDecay)
        : base(groups, learningRate)
    {
        (Beta1, Beta2, Eps, WeightDecay) = Check(GetType().Name, beta1, beta2, eps, weightDecay);
        Amsgrad = amsgrad;
        _decoupledWeightDecay = decoupledWeightDecay;
    }

    private protected Adam(IEnumerable<Tensor> parameters, double learningRate, double beta1, double beta2, double eps,
        double weightDecay, bool amsgrad, bool decoupledWeightDecay)
        : base(parameters, learningRate)
    {
        (Beta1, Beta2, Eps, WeightDecay) = Check(GetType().Name, beta1, beta2, eps, weightDecay);
        Amsgrad = amsgrad;
        _decoupledWeightDecay = decoupledWeightDecay;
    }

    private protected Adam(IEnumerable<(string Name, Tensor Tensor)> parameters, double learningRate, double beta1,
        double beta2, double eps, double weightDecay, bool amsgrad, bool decoupledWeightDecay)
        : base(parameters, learningRate)
    {
        (Beta1, Beta2, Eps, WeightDecay) = Check(GetType().Name, beta1, beta2, eps, weightDecay);
        Amsgrad = amsgrad;
        _decoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>Decay β₁ of the first-moment average.</summary>
    public double Beta1 { get; }

    /// <summary>Decay β₂ of the second-moment average.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>L2 penalty (Adam) or decoupled decay rate (AdamW).</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the AMSGrad variant (running maximum of v) is used.</summary>
    public bool Amsgrad { get; }

    protected override IReadOnlyList<string> StateSlots => Amsgrad ? [ExpAvg, ExpAvgSq, MaxExpAvgSq] : [ExpAvg, ExpAvgSq];

    // One fused kernel pass over parameter, gradient and state (Tensor.AdamUpdate).
    protected override void Update(Tensor parameter, Tensor grad, ParameterState state) =>
        Tensor.AdamUpdateAll([Item(new ParameterUpdate(parameter, grad, state))]);

    // Every parameter in one multi-tensor update (Tensor.AdamUpdateAll).
    protected override void UpdateAll(IReadOnlyList<ParameterUpdate> updates)
    {
        var items = _items;
        try
        {
            for (int i = 0; i < updates.Count; i++) items.Add(Item(updates[i]));
            Tensor.AdamUpdateAll(items);
        }
        finally { items.Clear(); }
    }

    // Reused by every step (cleared after it): a step allocates no item array.
    private readonly List<AdamUpdateItem> _items = [];

    private AdamUpdateItem Item(ParameterUpdate u) =>
        new(u.Parameter, u.Grad, u.State.Get(ExpAvg), u.State.Get(ExpAvgSq), Amsgrad ? u.State.Get(MaxExpAvgSq) : null, u.State.Step,
            new AdamOptions(LearningRateOf(u.State), Beta1, Beta2, Eps, WeightDecayOf(u.State, WeightDecay), _decoupledWeightDecay, Amsgrad));

    private static (double, double, double, double) Check(string name, double beta1, double beta2, double eps, double weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentException($"{name}: betas must be in [0, 1), got ({beta1}, {beta2})");
        if (!(eps >= 0))
            throw new ArgumentException($"{name}: eps must be >= 0, got {eps}");
        if (!(weightDecay >= 0))
            throw new ArgumentException($"{name}: weight decay must be >= 0, got {weightDecay}");
        return (beta1, beta2, eps, weightDecay);
    }
}
