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
    /// saved in the state dict and moved by <see cref="To(Device)"/>, never given to an optimizer.
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
    /// The child registered under <paramref name="name"/> now. Composites call their children
    /// through this (not a field) so that a replaced child (Quantization.Quantize swaps Dense for
    /// QuantizedDense) is the one that runs.
    /// </summary>
    protected Module Child(string name)
    {
        foreach (var (n, module) in _children)
            if (n == name) return module;
        throw new ArgumentException($"module: {GetType().Name} has no child '{name}'");
    }

    /// <summary>Puts <paramref name="replacement"/> in the place of child <paramref name="name"/> (same name, same order); returns the old child.</summary>
    internal Module ReplaceChild(string name, Module replacement)
    {
        int i = _children.FindIndex(c => c.Name == name);
        if (i < 0) throw new ArgumentException($"module: {GetType().Name} has no child '{name}'");
        var old = _children[i].Module;
        _children[i] = (name, replacement);
        OnChildReplaced(i, old, replacement);
        return old;
    }

    /// <summary>Called by <see cref="To(Device)"/> after the slots moved, for state that is not a tensor slot (packed int8 weights).</summary>
    private protected virtual void OnDeviceChanged(Device device) { }

    /// <summary>Frees state that is not a tensor slot (packed int8 weights) when the module is disposed.</summary>
    private protected virtual void OnDispose() { }

    /// <summary>Lets a container that also keeps its children in a list of its own (Sequential) follow a replacement.</summary>
    private protected virtual void OnChildReplaced(int index, Module old, Module replacement) { }

    /// <summary>The dotted path of the first inference-only (quantized) module in this tree, or null.</summary>
    internal string? FindInferenceOnly(string prefix = "")
    {
        if (IsInferenceOnly) return prefix.Length == 0 ? GetType().Name : $"{GetType().Name} at '{prefix.TrimEnd('.')}'";
        foreach (var (name, child) in _children)
            if (child.FindInferenceOnly(prefix + name + ".") is { } found) return found;
        return null;
    }

    /// <summary>True for a module that runs inference only (an int8 layer, or attention with an int8 in-projection).</summary>
    internal virtual bool IsInferenceOnly => this is IInferenceOnly;

    /// <summary>Takes parameter or buffer <paramref name="name"/> out of this module (quantization replaces it); returns it.</summary>
    internal Tensor RemoveSlot(string name)
    {
        int i = _slots.FindIndex(s => s.Name == name);
        if (i < 0) throw new ArgumentException($"module: {GetType().Name} has no parameter or buffer '{name}'");
        var tensor = _slots[i].Tensor;
        _slots.RemoveAt(i);
        return tensor;
    }

    private void ThrowIfInferenceOnly(string what)
    {
        if (FindInferenceOnly() is { } found)
            throw new InvalidOperationException(
                $"module: {what} of a quantized model: it holds int8 layers ({found}) that run inference only. " +
                "Train the float model, then quantize it again with Quantization.Quantize");
    }

    /// <summary>
    /// Every parameter of this module and its descendants, frozen ones included (as torch's
    /// parameters()); <see cref="TrainableParameters"/> leaves the frozen ones out.
    /// </summary>
    public IEnumerable<Tensor> Parameters()
    {
        ThrowIfInferenceOnly("Parameters() (what an optimizer trains)");
        return NamedParameters().Select(p => p.Tensor);
    }

    /// <summary>The parameters that are not frozen (RequiresGrad true): what to give an optimizer after <see cref="Freeze"/>.</summary>
    public IEnumerable<Tensor> TrainableParameters() => Parameters().Where(p => p.RequiresGrad);

    /// <summary>The not-frozen parameters with their dotted names.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedTrainableParameters()
    {
        ThrowIfInferenceOnly("NamedTrainableParameters()");
        return NamedParameters().Where(p => p.Tensor.RequiresGrad);
    }

    /// <summary>
    /// Sets RequiresGrad on every parameter of this module and its descendants (torch's
    /// module.requires_grad_): false freezes them (no gradient is computed, optimizers skip them).
    /// </summary>
    public Module RequiresGrad(bool requiresGrad = true)
    {
        foreach (var (_, p) in NamedParameters()) p.RequiresGradient(requiresGrad);
        return this;
    }

    /// <summary>Freezes every parameter (<c>RequiresGrad(false)</c>) and drops their gradients.</summary>
    public Module Freeze()
    {
        RequiresGrad(false);
        foreach (var (_, p) in NamedParameters()) p.ZeroGrad();
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
    public long ParameterCount => NamedParameters().Sum(p => p.Tensor.Size);

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
        foreach (var (_, p) in NamedParameters()) p.ZeroGrad();
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

    /// <summary>
    /// Converts every floating-point parameter and buffer to <paramref name="dtype"/> in place, as
    /// torch's <c>module.to(torch.float64)</c> (<c>model.double()</c>): integer and Bool buffers
    /// (num_batches_tracked) keep their dtype, tensor objects stay (create optimizer state after).
    /// </summary>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"module.to: {dtype} is not a floating-point dtype; modules convert their float parameters and buffers only (as torch)");
        foreach (var (_, slot) in NamedSlots(""))
            if (slot.Tensor.DType.IsFloatingPoint()) slot.Tensor.ConvertDataTo(dtype);
        return this;
    }

    private void SetDevice(Device device)
    {
        Device = device;
        OnDeviceChanged(device);
        foreach (var (_, child) in _children) child.SetDevice(device);
    }

    public void Dispose()
    {
        OnDispose();
        foreach (var slot in _slots) slot.Tensor.Dispose();
        foreach (var (_, child) in _children) child.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed record Slot(string Name, Tensor Tensor, bool Trainable);
}
