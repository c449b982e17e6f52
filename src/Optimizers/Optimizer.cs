using DeepNet.Tensors;
using DeepNet.Serialization;
using DeepNet.Autograd;

namespace DeepNet.Optimizers;

/// <summary>
/// Base of every optimizer, as torch.optim.Optimizer: holds the parameters (by name, so state can
/// be saved by name) in one or more <see cref="ParameterGroup"/>s, the learning rate, and
/// per-parameter state created lazily and owned here. <see cref="Step"/> runs under
/// GradMode.NoGrad and skips parameters whose Grad is null or that are frozen (RequiresGrad
/// false). Dispose the optimizer to free its state tensors.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly ParameterState[] _states;
    private readonly Dictionary<string, ParameterState> _byName = new(StringComparer.Ordinal);
    private double _learningRate;
    // Reused by every Step (cleared first): a step allocates no list.
    private readonly List<ParameterUpdate> _updates = [];

    /// <summary>Optimizes <paramref name="parameters"/>, named by index ("0", "1", ...) as PyTorch does.</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate)
        : this(Named(parameters), learningRate)
    {
    }

    /// <summary>Optimizes named parameters, e.g. <c>model.NamedParameters()</c>.</summary>
    protected Optimizer(IEnumerable<(string Name, Tensor Tensor)> parameters, double learningRate)
        : this([new ParameterGroup(parameters)], learningRate)
    {
    }

    /// <summary>
    /// Optimizes parameter groups, each with its own learning rate and weight decay (torch.optim's
    /// param_groups); <paramref name="learningRate"/> is the default of groups that give none.
    /// </summary>
    protected Optimizer(IEnumerable<ParameterGroup> groups, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(groups);
        LearningRate = learningRate;
        _states = [.. BuildStates(groups.ToArray(), learningRate)];
        if (_states.Length == 0)
            throw new ArgumentException("optimizer: got an empty parameter list");
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var state in _states)
        {
            if (!_byName.TryAdd(state.Name, state))
                throw new ArgumentException($"optimizer: parameter name '{state.Name}' appears twice");
            if (!seen.Add(state.Parameter))
                throw new ArgumentException($"optimizer: parameter '{state.Name}' is the same tensor as an earlier one");
        }
    }

    private IEnumerable<ParameterState> BuildStates(ParameterGroup[] groups, double learningRate)
    {
        int index = 0;
        foreach (var (group, g) in groups.Select((group, g) => (group, g)))
        {
            ArgumentNullException.ThrowIfNull(group, nameof(groups));
            if (group.LearningRate is double lr && (!(lr >= 0) || double.IsInfinity(lr)))
                throw new ArgumentException($"{GetType().Name}: group {g} learning rate must be a finite number >= 0, got {lr}");
            if (group.LearningRate is double explicitRate && explicitRate != learningRate && learningRate == 0)
                throw new ArgumentException($"{GetType().Name}: group {g} sets learning rate {explicitRate} but the default is 0; " +
                    "group rates are kept as multiples of the default (so schedules scale them), give a nonzero default");
            if (group.WeightDecay is double wd && !(wd >= 0))
                throw new ArgumentException($"{GetType().Name}: group {g} weight decay must be >= 0, got {wd}");
            double scale = group.LearningRate is double rate && learningRate != 0 ? rate / learningRate : 1;
            foreach (var (name, tensor) in group.Parameters)
            {
                string label = name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                index++;
                yield return new ParameterState(label, tensor ?? throw new ArgumentNullException(nameof(groups), $"optimizer: parameter '{label}' is null"))
                {
                    LearningRateScale = scale,
                    GroupWeightDecay = group.WeightDecay,
                };
            }
        }
    }

    /// <summary>The learning rate of <paramref name="state"/>'s group: <see cref="LearningRate"/> times the group's ratio.</summary>
    public double LearningRateOf(ParameterState state) => LearningRate * state.LearningRateScale;

    /// <summary>The weight decay of <paramref name="state"/>'s group, else <paramref name="fallback"/> (the optimizer's).</summary>
    protected static double WeightDecayOf(ParameterState state, double fallback) => state.GroupWeightDecay ?? fallback;

    /// <summary>The step size; schedules set it between steps.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
                throw new ArgumentException($"{GetType().Name}: learning rate must be a finite number >= 0, got {value}");
            _learningRate = value;
        }
    }

    /// <summary>
    /// The rate schedules scale (PyTorch's param_group["initial_lr"]): set to the current rate
    /// by the first schedule attached when still null.
    /// </summary>
    public double? InitialLearningRate { get; set; }

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>The parameters with their names and state, in order.</summary>
    public IReadOnlyList<ParameterState> States => _states;

    /// <summary>
    /// The state slot names this optimizer keeps for every parameter it has updated, given its
    /// hyperparameters (e.g. "exp_avg", "exp_avg_sq"); <see cref="LoadStateDict"/> checks against them.
    /// </summary>
    protected abstract IReadOnlyList<string> StateSlots { get; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = GradMode.NoGrad();
        // Frees every temporary the update makes; state slots live outside all scopes.
        using var scope = new DisposeScope();
        var updates = _updates;
        updates.Clear();
        foreach (var state in _states)
        {
            Tensor? grad = state.Parameter.Grad;
            if (grad is null || !state.Parameter.RequiresGrad)
                continue;
            if (grad.Shape != state.Parameter.Shape)
                throw new InvalidOperationException($"{GetType().Name}.Step: parameter '{state.Name}' has shape {state.Parameter.Shape} but its gradient {grad.Shape}");
            updates.Add(new ParameterUpdate(state.Parameter, grad, state));
        }
        StepCount++;
        foreach (var update in updates) update.State.Step++;
        try { UpdateAll(updates); }
        finally { updates.Clear(); }   // no tensor stays reachable from the optimizer between steps
    }

    /// <summary>
    /// Updates every parameter of this step in place; each <c>State.Step</c> is already incremented.
    /// The default calls <see cref="Update"/> per parameter; the built-in optimizers override it to
    /// run one multi-tensor update (a few GPU launches for the whole model instead of one per parameter).
    /// The list is reused by the next step: do not keep it.
    /// </summary>
    protected virtual void UpdateAll(IReadOnlyList<ParameterUpdate> updates)
    {
        for (int i = 0; i < updates.Count; i++)
        {
            var (parameter, grad, state) = updates[i];
            Update(parameter, grad, state);
        }
    }

    /// <summary>Clears every parameter's gradient (sets it to null, as PyTorch's set_to_none).</summary>
    public void ZeroGrad()
    {
        foreach (var state in _states)
            state.Parameter.ZeroGrad();
    }

    /// <summary>Updates one parameter in place from its gradient; <c>state.Step</c> is already incremented.</summary>
    protected abstract void Update(Tensor parameter, Tensor grad, ParameterState state);

    /// <summary>A copy of the state, as plain arrays (see <see cref="OptimizerState"/>).</summary>
    public OptimizerState StateDict()
    {
        var arrays = new List<NamedArray>();
        var steps = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var state in _states)
        {
            if (state.Step == 0 && state.Slots.Count == 0)
                continue;
            steps[state.Name] = state.Step;
            foreach (var (slot, tensor) in state.Slots.OrderBy(s => s.Key, StringComparer.Ordinal))
                arrays.Add(NamedArray.FromTensor(state.Name + "." + slot, tensor));   // in the parameter's dtype (Float64 state stays double)
        }

        return new OptimizerState(StepCount, LearningRate, arrays, steps);
    }

    /// <summary>
    /// Replaces the state with <paramref name="state"/>. Everything is validated before anything
    /// changes: every parameter name must be known, every array named "{parameter}.{slot}" with a
    /// slot this optimizer keeps and the parameter's shape, and a parameter with updates must
    /// have all its slots. Each problem is an ArgumentException naming the key.
    /// </summary>
    public void LoadStateDict(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = OptimizerStateValidator.Validate(GetType().Name, state, _byName, StateSlots);
        foreach (var parameter in _states)
        {
            if (plan.TryGetValue(parameter.Name, out var entry))
                parameter.Load(entry.Step, entry.Slots);
            else
                parameter.Clear();
        }

        StepCount = state.Step;
        LearningRate = state.LearningRate;
    }

    /// <summary>Frees the state tensors (not the parameters).</summary>
    public void Dispose()
    {
        foreach (var state in _states)
            state.Dispose();
        GC.SuppressFinalize(this);
    }

    private static IEnumerable<(string Name, Tensor Tensor)> Named(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.Select((p, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), p));
    }
}
