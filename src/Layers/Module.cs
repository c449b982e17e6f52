using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Base of every layer and model: named parameters, buffers and child modules, train/eval mode,
/// device moves and state dicts, as torch.nn.Module. Subclasses register their pieces in the
/// constructor and implement <see cref="Forward"/>.
/// </summary>
public abstract partial class Module : IDisposable
{
    // Parameters and buffers in registration order (the state dict's order, as in PyTorch).
    private readonly List<Slot> _slots = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Training mode (dropout active, batch norm updates running stats).</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>The device the parameters live on.</summary>
    public Device Device { get; private set; } = Device.Cpu;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>
    /// Adds a trainable tensor under <paramref name="name"/> and returns it (now requiring grad);
    /// the module owns it from now on.
    /// </summary>
    protected Tensor RegisterParameter(string name, Tensor value) =>
        AddSlot(new Slot(name, value.DetachFromScope().RequiresGradient(), Trainable: true));

    /// <summary>
    /// Adds a non-trainable tensor (running statistics) under <paramref name="name"/> and returns it:
    /// saved in the state dict and moved by <see cref="To"/>, never given to an optimizer.
    /// </summary>
    protected Tensor RegisterBuffer(string name, Tensor value) =>
        AddSlot(new Slot(name, value.DetachFromScope(), Trainable: false));

    /// <summary>Adds a child module under <paramref name="name"/>.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        if (_children.Any(c => c.Name == name) || _slots.Any(s => s.Name == name))
            throw new ArgumentException($"module: name '{name}' is already registered in {GetType().Name}");
        _children.Add((name, module));
        return module;
    }

    private Tensor AddSlot(Slot slot)
    {
        if (_slots.Any(s => s.Name == slot.Name) || _children.Any(c => c.Name == slot.Name))
            throw new ArgumentException($"module: name '{slot.Name}' is already registered in {GetType().Name}");
        _slots.Add(slot);
        return slot.Tensor;
    }

    /// <summary>Direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>
    /// Every parameter of this module and its descendants, frozen ones included (as torch's
    /// parameters()); <see cref="TrainableParameters"/> leaves the frozen ones out.
    /// </summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>The parameters that are not frozen (RequiresGrad true): what to give an optimizer after <see cref="Freeze"/>.</summary>
    public IEnumerable<Tensor> TrainableParameters() => Parameters().Where(p => p.RequiresGrad);

    /// <summary>The not-frozen parameters with their dotted names.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedTrainableParameters() =>
        NamedParameters().Where(p => p.Tensor.RequiresGrad);

    /// <summary>
    /// Sets RequiresGrad on every parameter of this module and its descendants (torch's
    /// module.requires_grad_): false freezes them (no gradient is computed, optimizers skip them).
    /// </summary>
    public Module RequiresGrad(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGradient(requiresGrad);
        return this;
    }

    /// <summary>Freezes every parameter (<c>RequiresGrad(false)</c>) and drops their gradients.</summary>
    public Module Freeze()
    {
        RequiresGrad(false);
        foreach (var p in Parameters()) p.ZeroGrad();
        return this;
    }

    /// <summary>Makes every parameter trainable again (<c>RequiresGrad(true)</c>).</summary>
    public Module Unfreeze() => RequiresGrad(true);

    /// <summary>Parameters with dotted names ("0.weight", "encoder.layers.1.linear1.bias"), frozen ones included.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters() =>
        NamedSlots("").Where(s => s.Slot.Trainable).Select(s => (s.Name, s.Slot.Tensor));

    /// <summary>Every buffer (non-trainable state such as batch norm's running mean and variance).</summary>
    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Tensor);

    /// <summary>Buffers with dotted names ("1.running_mean").</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers() =>
        NamedSlots("").Where(s => !s.Slot.Trainable).Select(s => (s.Name, s.Slot.Tensor));

    private IEnumerable<(string Name, Slot Slot)> NamedSlots(string prefix)
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
        foreach (var (_, slot) in NamedSlots("")) slot.Tensor.MoveDataTo(device);
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
        foreach (var slot in _slots) slot.Tensor.Dispose();
        foreach (var (_, child) in _children) child.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed record Slot(string Name, Tensor Tensor, bool Trainable);
}
