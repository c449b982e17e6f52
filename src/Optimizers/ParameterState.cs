using DeepNet.Serialization;
using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>
/// What an optimizer keeps for one parameter: how many updates it has taken and its named
/// state tensors ("momentum_buffer", "exp_avg", ...), each shaped like the parameter, created
/// on first use and owned by the optimizer (outside every <see cref="DisposeScope"/>).
/// </summary>
public sealed class ParameterState : IDisposable
{
    private readonly Dictionary<string, Tensor> _slots = new(StringComparer.Ordinal);

    internal ParameterState(string name, Tensor parameter)
    {
        Name = name;
        Parameter = parameter;
    }

    /// <summary>The parameter's name ("fc1.weight", or its index "0" when unnamed).</summary>
    public string Name { get; }

    /// <summary>The parameter this state belongs to.</summary>
    public Tensor Parameter { get; }

    /// <summary>This parameter's group learning rate divided by the optimizer's default (1 without groups).</summary>
    internal double LearningRateScale { get; init; } = 1;

    /// <summary>This parameter's group weight decay, or null for the optimizer's.</summary>
    internal double? GroupWeightDecay { get; init; }

    /// <summary>Updates applied to this parameter so far (PyTorch's per-parameter state["step"]).</summary>
    public long Step { get; internal set; }

    /// <summary>The slots that exist so far, by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Slots => _slots;

    /// <summary>The state tensor <paramref name="slot"/>, created zero-filled on first use.</summary>
    public Tensor Get(string slot)
    {
        if (!_slots.TryGetValue(slot, out Tensor? tensor))
        {
            tensor = Tensor.ZerosLike(Parameter).DetachFromScope();
            _slots.Add(slot, tensor);
        }

        return tensor;
    }

    /// <summary>Looks up a slot without creating it.</summary>
    public bool TryGet(string slot, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor? tensor) =>
        _slots.TryGetValue(slot, out tensor);

    /// <summary>Replaces the step count and every slot with copies of <paramref name="slots"/> (already validated).</summary>
    internal void Load(long step, IEnumerable<(string Slot, NamedArray Data)> slots)
    {
        Clear();
        Step = step;
        foreach (var (slot, data) in slots)
        {
            // A file's float dtype converts to the parameter's by rounding, as Module.LoadStateDict does.
            using Tensor host = data.ToTensor();
            using Tensor cast = host.To(Parameter.DType);
            using Tensor moved = cast.To(Parameter.Device);
            Get(slot).CopyFrom(moved);
        }
    }

    /// <summary>Frees every slot and resets the step count.</summary>
    internal void Clear()
    {
        foreach (Tensor tensor in _slots.Values)
        {
            tensor.Dispose();
        }

        _slots.Clear();
        Step = 0;
    }

    /// <summary>Frees the state tensors (not the parameters).</summary>
    public void Dispose() => Clear();
}
