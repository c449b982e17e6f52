using System.Text;
using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Layers;

// State dicts and the Keras-style summary.
public abstract partial class Module
{
    /// <summary>Every parameter and buffer by dotted name (the live tensors, not copies).</summary>
    public Dictionary<string, Tensor> StateDict() => NamedSlots("").ToDictionary(s => s.Name, s => s.Slot.Tensor);

    /// <summary>
    /// Copies values into the parameters and buffers. Everything is validated before anything is
    /// written: with <paramref name="strict"/>, missing and unexpected keys throw; a shape
    /// mismatch always throws, naming the key and both shapes.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var slots = CheckStateShapes(state.ToDictionary(kv => kv.Key, kv => kv.Value.Shape), strict);
        using var noGrad = GradMode.NoGrad();
        foreach (var (name, value) in state)
        {
            if (!slots.TryGetValue(name, out var slot)) continue;
            using var moved = value.To(slot.Device);
            slot.CopyFrom(moved);
        }
    }

    /// <summary>
    /// Validates a state given as name → shape against this module without changing anything:
    /// with <paramref name="strict"/>, missing and unexpected keys throw; a shape mismatch always
    /// throws, naming the key and both shapes. Returns the module's tensors by name.
    /// </summary>
    internal Dictionary<string, Tensor> CheckStateShapes(IReadOnlyDictionary<string, Shape> state, bool strict)
    {
        var slots = StateDict();
        if (strict)
        {
            var missing = slots.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var unexpected = state.Keys.Where(k => !slots.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
                throw new ArgumentException($"load_state_dict: missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}]");
        }
        foreach (var (name, shape) in state)
            if (slots.TryGetValue(name, out var slot) && shape != slot.Shape)
                throw new ArgumentException($"load_state_dict: '{name}' has shape {shape} in the state but {slot.Shape} in the module");
        return slots;
    }
}
