using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Base of every layer and model: named parameters, buffers and child modules, train/eval mode,
/// device moves and state dicts, as torch.nn.Module. Subclasses register their pieces in the
/// constructor and implement <see cref="Forward"/>.
/// </summary>
public abstract partial class Module : IDisposable
{
    private readonly List<Parameter> _slots = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Training mode (dropout active, batch norm updates running stats).</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>The device the parameters live on.</summary>
    public Device Device { get; private set; } = Device.Cpu;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Same as <see cref="Forward"/>, for call-site readability: <c>model.Call(x)</c>.</summary>
    public Tensor Call(Tensor input) => Forward(input);

    /// <summary>Adds a trainable tensor under <paramref name="name"/>; the module owns it from now on.</summary>
    protected Parameter RegisterParameter(string name, Tensor value) =>
        AddSlot(new Parameter(name, value.DetachFromScope().RequiresGradient(), trainable: true));

    /// <summary>Adds a non-trainable tensor (running statistics) that is saved in the state dict.</summary>
    protected Parameter RegisterBuffer(string name, Tensor value) =>
        AddSlot(new Parameter(name, value.DetachFromScope(), trainable: false));

    /// <summary>Adds a child module under <paramref name="name"/>.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        if (_children.Any(c => c.Name == name) || _slots.Any(s => s.Name == name))
            throw new ArgumentException($"module: name '{name}' is already registered in {GetType().Name}");
        _children.Add((name, module));
        return module;
    }

    private Parameter AddSlot(Parameter slot)
    {
        if (_slots.Any(s => s.Name == slot.Name) || _children.Any(c => c.Name == slot.Name))
            throw new ArgumentException($"module: name '{slot.Name}' is already registered in {GetType().Name}");
        _slots.Add(slot);
        return slot;
    }

    /// <summary>Direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>Every trainable tensor of this module and its descendants.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>Trainable tensors with dotted names ("0.weight", "encoder.layers.1.linear1.bias").</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters() =>
        NamedSlots("").Where(s => s.Slot.Trainable).Select(s => (s.Name, s.Slot.Value));

    /// <summary>Non-trainable tensors (buffers) with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers() =>
        NamedSlots("").Where(s => !s.Slot.Trainable).Select(s => (s.Name, s.Slot.Value));

    internal IEnumerable<(string Name, Parameter Slot)> NamedSlots(string prefix)
    {
        foreach (var slot in _slots) yield return (prefix + slot.Name, slot);
        foreach (var (name, child) in _children)
            foreach (var entry in child.NamedSlots(prefix + name + ".")) yield return entry;
    }

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => Parameters().Sum(p => p.Size);

    /// <summary>Sets training mode on this module and every descendant.</summary>
    public Module Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.Train(training);
        return this;
    }

    /// <summary>Inference mode: dropout off, batch norm uses running stats.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears the gradients of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>
    /// Moves every parameter and buffer to <paramref name="device"/> in place: the tensor objects
    /// stay the same, so an optimizer built before the move keeps working (its state, if any,
    /// must be created after the move).
    /// </summary>
    public Module To(Device device)
    {
        foreach (var (_, slot) in NamedSlots("")) slot.Value.MoveDataTo(device);
        SetDevice(device);
        return this;
    }

    private void SetDevice(Device device)
    {
        Device = device;
        foreach (var (_, child) in _children) child.SetDevice(device);
    }

    public void Dispose()
    {
        foreach (var slot in _slots) slot.Value.Dispose();
        foreach (var (_, child) in _children) child.Dispose();
        GC.SuppressFinalize(this);
    }
}
