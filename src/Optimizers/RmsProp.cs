using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>
/// RMSprop, as torch.optim.RMSprop: g = ∇ + λ·p; v = α·v + (1 − α)·g²; centered: ḡ = α·ḡ + (1 − α)·g
/// and d = √(v − ḡ²) + ε, else d = √v + ε; with momentum μ: b = μ·b + g/d, p = p − lr·b; else
/// p = p − lr·g/d. State slots: "square_avg", plus "momentum_buffer" (μ &gt; 0) and "grad_avg" (centered).
/// </summary>
public sealed class RmsProp : Optimizer
{
    private const string SquareAvg = "square_avg";
    private const string MomentumBuffer = "momentum_buffer";
    private const string GradAvg = "grad_avg";

    /// <summary>RMSprop over unnamed parameters; see the class summary for the update.</summary>
    public RmsProp(IEnumerable<Tensor> parameters, double learningRate = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(parameters, learningRate) =>
        (Alpha, Eps, WeightDecay, Momentum, Centered) = Check(alpha, eps, weightDecay, momentum, centered);

    /// <summary>RMSprop over named parameters (e.g. <c>model.NamedParameters()</c>).</summary>
    public RmsProp(IEnumerable<(string Name, Tensor Tensor)> parameters, double learningRate = 1e-2, double alpha = 0.99,
        double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(parameters, learningRate) =>
        (Alpha, Eps, WeightDecay, Momentum, Centered) = Check(alpha, eps, weightDecay, momentum, centered);

    /// <summary>RMSprop over parameter groups, each with its own learning rate and weight decay (torch's param_groups).</summary>
    public RmsProp(IEnumerable<ParameterGroup> groups, double learningRate = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(groups, learningRate) =>
        (Alpha, Eps, WeightDecay, Momentum, Centered) = Check(alpha, eps, weightDecay, momentum, centered);

    /// <summary>Smoothing constant of the running averages.</summary>
    public double Alpha { get; }

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>L2 penalty coefficient added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Momentum factor μ (0 disables the buffer).</summary>
    public double Momentum { get; }

    /// <summary>Whether the gradient is normalized by an estimate of its variance.</summary>
    public bool Centered { get; }

    protected override IReadOnlyList<string> StateSlots =>
        [SquareAvg, .. Momentum > 0 ? new[] { MomentumBuffer } : [], .. Centered ? new[] { GradAvg } : []];

    // One fused kernel pass over parameter, gradient and state (Tensor.RmsPropUpdate).
    protected override void Update(Tensor parameter, Tensor grad, ParameterState state) =>
        Tensor.RmsPropUpdateAll([Item(new ParameterUpdate(parameter, grad, state))]);

    // Every parameter in one multi-tensor update (Tensor.RmsPropUpdateAll).
    protected override void UpdateAll(IReadOnlyList<ParameterUpdate> updates)
    {
        var items = _items;
        try
        {
            for (int i = 0; i < updates.Count; i++) items.Add(Item(updates[i]));
            Tensor.RmsPropUpdateAll(items);
        }
        finally { items.Clear(); }
    }

    // Reused by every step (cleared after it): a step allocates no item array.
    private readonly List<RmsPropUpdateItem> _items = [];

    private RmsPropUpdateItem Item(ParameterUpdate u) =>
        new(u.Parameter, u.Grad, u.State.Get(SquareAvg), Centered ? u.State.Get(GradAvg) : null, Momentum > 0 ? u.State.Get(MomentumBuffer) : null,
            new RmsPropOptions(LearningRateOf(u.State), Alpha, Eps, WeightDecayOf(u.State, WeightDecay), Momentum, Centered));

    private static (double, double, double, double, bool) Check(double alpha, double eps, double weightDecay, double momentum, bool centered)
    {
        if (!(alpha >= 0))
            throw new ArgumentException($"RmsProp: alpha must be >= 0, got {alpha}");
        if (!(eps >= 0))
            throw new ArgumentException($"RmsProp: eps must be >= 0, got {eps}");
        if (!(weightDecay >= 0) || !(momentum >= 0))
            throw new ArgumentException($"RmsProp: weight decay and momentum must be >= 0, got {weightDecay} and {momentum}");
        return (alpha, eps, weightDecay, momentum, centered);
    }
}
