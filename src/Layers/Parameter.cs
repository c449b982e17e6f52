using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// A named slot of a module holding a trainable tensor (or a buffer such as running stats).
/// The slot outlives the tensor: <see cref="Module.To"/> and state loading replace the value.
/// </summary>
public sealed class Parameter
{
    internal Parameter(string name, Tensor value, bool trainable)
    {
        Name = name;
        Trainable = trainable;
        Value = value;
    }

    public string Name { get; }

    /// <summary>True for weights the optimizer updates; false for buffers.</summary>
    public bool Trainable { get; }

    public Tensor Value { get; internal set; }

    public override string ToString() => $"{Name} {Value.Shape}";
}
