using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>
/// Stochastic gradient descent, as torch.optim.SGD: with weight decay λ, momentum μ, dampening τ,
/// d = g + λ·p; b = d on the first step, else b = μ·b + (1 − τ)·d; then d = d + μ·b (Nesterov)
/// or d = b; p = p − lr·d. State slot: "momentum_buffer" (only when μ ≠ 0).
/// </summary>
public sealed class Sgd : Optimizer
{
    private const string MomentumBuffer = "momentum_buffer";

    /// <summary>SGD over unnamed parameters; see the class summary for the update.</summary>
    public Sgd(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(parameters, learningRate) =>
        (Momentum, Dampening, WeightDecay, Nesterov) = Check(momentum, dampening, weightDecay, nesterov);

    /// <summary>SGD over named parameters (e.g. <c>model.NamedParameters()</c>).</summary>
    public Sgd(IEnumerable<(string Name, Tensor Tensor)> parameters, double learningRate = 1e-3, double momentum = 0,
        double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, learningRate) =>
        (Momentum, Dampening, WeightDecay, Nesterov) = Check(momentum, dampening, weightDecay, nesterov);

    /// <summary>SGD over parameter groups, each with its own learning rate and weight decay (torch's param_groups).</summary>
    public Sgd(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(groups, learningRate) =>
        (Momentum, Dampening, WeightDecay, Nesterov) = Check(momentum, dampening, weightDecay, nesterov);

    /// <summary>Momentum factor μ (0 disables the buffer).</summary>
    public double Momentum { get; }

    /// <summary>Dampening τ of the momentum buffer update.</summary>
    public double Dampening { get; }

    /// <summary>L2 penalty coefficient added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    protected override IReadOnlyList<string> StateSlots => Momentum != 0 ? [MomentumBuffer] : [];

    // One fused kernel pass over parameter, gradient and momentum buffer (Tensor.SgdUpdate).
    protected override void Update(Tensor parameter, Tensor grad, ParameterState state) =>
        Tensor.SgdUpdateAll([Item(new ParameterUpdate(parameter, grad, state))]);

    // Every parameter in one multi-tensor update (Tensor.SgdUpdateAll).
    protected override void UpdateAll(IReadOnlyList<ParameterUpdate> updates)
    {
        var items = _items;
        try
        {
            for (int i = 0; i < updates.Count; i++) items.Add(Item(updates[i]));
            Tensor.SgdUpdateAll(items);
        }
        finally { items.Clear(); }
    }

    // Reused by every step (cleared after it): a step allocates no item array.
    private readonly List<SgdUpdateItem> _items = [];

    private SgdUpdateItem Item(ParameterUpdate u)
    {
        bool first = false;
        Tensor? buffer = null;
        if (Momentum != 0)
        {
            first = !u.State.TryGet(MomentumBuffer, out buffer);
            buffer ??= u.State.Get(MomentumBuffer);
        }
        return new(u.Parameter, u.Grad, buffer, first, new SgdOptions(LearningRateOf(u.State), Momentum, Dampening, WeightDecayOf(u.State, WeightDecay), Nesterov));
    }

    private static (double, double, double, bool) Check(double momentum, double dampening, double weightDecay, bool nesterov)
    {
        if (!(momentum >= 0))
            throw new ArgumentException($"Sgd: momentum must be >= 0, got {momentum}");
        if (!(weightDecay >= 0))
            throw new ArgumentException($"Sgd: weight decay must be >= 0, got {weightDecay}");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Sgd: Nesterov momentum requires momentum > 0 and zero dampening, got momentum {momentum}, dampening {dampening}");
        return (momentum, dampening, weightDecay, nesterov);
    }
}
