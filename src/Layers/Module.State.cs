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
    /// mismatch always throws, naming the key and both shapes. A value of another dtype than its
    /// slot is converted explicitly, as torch's copy_: between floating-point dtypes by rounding
    /// (a Float64/Float16/BFloat16 file into Float32 parameters); any conversion involving an
    /// integer or Bool dtype only when every value survives it exactly, else ArgumentException
    /// naming the key and both dtypes (nothing is truncated silently). The int8 slots of quantized
    /// layers (codes, scales, input scale and zero point) take their exact dtype only, and their
    /// packed kernels are rebuilt from the loaded values.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var slots = CheckStateShapes(state.ToDictionary(kv => kv.Key, kv => kv.Value.Shape), strict);
        CheckQuantizedState(state, "");
        using var noGrad = GradMode.NoGrad();
        var converted = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, value) in state)
                if (slots.TryGetValue(name, out var slot)) converted[name] = Converted(name, value, slot).DetachFromScope();
            foreach (var (name, value) in converted)
            {
                var slot = slots[name];
                using var moved = value.To(slot.Device);
                slot.CopyFrom(moved);
            }
        }
        finally
        {
            foreach (var t in converted.Values) t.Dispose();
        }
        ReloadQuantizedState();
    }

    /// <summary>The int8 slots' incoming values: exact dtypes, codes and scales in range (IQuantizedState), before anything is written.</summary>
    private void CheckQuantizedState(IReadOnlyDictionary<string, Tensor> state, string prefix)
    {
        if (this is IQuantizedState quantized)
            foreach (var slots in quantized.QuantizedSlots()) slots.Check("load_state_dict", prefix, key => state.GetValueOrDefault(key));
        foreach (var (name, child) in _children) child.CheckQuantizedState(state, prefix + name + ".");
    }

    /// <summary>Repacks every int8 weight's GEMM cache from its (just loaded) slots.</summary>
    private void ReloadQuantizedState()
    {
        if (this is IQuantizedState quantized)
            foreach (var slots in quantized.QuantizedSlots()) slots.Reload(Device);
        foreach (var (_, child) in _children) child.ReloadQuantizedState();
    }

    /// <summary>The value in the slot's dtype (an alias when it already is); throws when the conversion would lose an integer.</summary>
    private static Tensor Converted(string name, Tensor value, Tensor slot)
    {
        if (value.DType == slot.DType || (value.DType.IsFloatingPoint() && slot.DType.IsFloatingPoint())) return value.To(slot.DType);
        var cast = value.To(slot.DType);
        using var back = cast.To(value.DType);
        if (!back.BitsEqual(value))
        {
            cast.Dispose();
            throw new ArgumentException($"load_state_dict: '{name}' is {value.DType} in the state but {slot.DType} in the module, and its values do not convert exactly; convert it yourself with To(DType.{slot.DType})");
        }
        return cast;
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
