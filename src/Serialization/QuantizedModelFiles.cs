using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Serialization;

// Files of int8-quantized models: the state dict as it is, in one safetensors file that torch's
// safetensors reads. Each int8 weight of a module at path p (IQuantizedState: the quantized
// layers' "weight", attention's "in_proj_weight") is a set of tensor slots:
//   p.weight            I8  [out, ...]   the int8 codes
//   p.weight_scale      F32 [out]        per-output-channel (or per-row) scales
//   p.input_scale       F32 []           static activation quantization (absent when dynamic;
//   p.input_zero_point  I32 []           "in_proj_input_..." for attention)
// next to the float slots (biases, the layers left float). ModuleFiles.Save/Load route quantized
// models here: Save marks the file, Load checks each int8 entry's presence, shape and dtype
// first (a float file named as such), then loads through Module.LoadStateDict, which validates
// the codes and scales and rebuilds the packed GEMM caches.
internal static class QuantizedModelFiles
{
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata)
    {
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { ["deepnet.quantization"] = "int8" };
        SafeTensorsWriter.Write(path, module.ToNamedArrays(), meta);
    }

    /// <summary>Loads every slot; the int8 ones are checked by name, shape and dtype first; nothing changes on an error.</summary>
    public static void Load(Module module, IReadOnlyList<NamedArray> arrays, bool strict)
    {
        var byName = new Dictionary<string, NamedArray>(StringComparer.Ordinal);
        foreach (var a in arrays) byName[a.Name] = a;
        foreach (var (prefix, slots) in Parts(module))
        {
            Take(byName, prefix + slots.Name, slots.Shape.ToArray(), DType.Int8);
            Take(byName, prefix + slots.Name + "_scale", [slots.Shape[0]], DType.Float32);
            string key = prefix + slots.InputKey;
            if (slots.IsStatic)
            {
                Take(byName, key + "_scale", [], DType.Float32);
                Take(byName, key + "_zero_point", [], DType.Int32);
            }
            else if (byName.ContainsKey(key + "_scale"))
                throw new ArgumentException($"load quantized model: the file quantizes the input of '{prefix.TrimEnd('.')}' statically ('{key}_scale') but the model dynamically; static and dynamic activation quantization do not mix");
        }
        ModuleFiles.LoadFloatArrays(module, arrays, strict);
    }

    /// <summary>(dotted prefix with a trailing dot, slots) of each int8 weight in the tree, depth first.</summary>
    private static IEnumerable<(string Prefix, QuantizedWeightSlots Slots)> Parts(Module module, string prefix = "")
    {
        if (module is IQuantizedState state)
            foreach (var slots in state.QuantizedSlots()) yield return (prefix, slots);
        foreach (var (name, child) in module.NamedChildren())
            foreach (var inner in Parts(child, prefix + name + ".")) yield return inner;
    }

    private static void Take(Dictionary<string, NamedArray> byName, string name, int[] shape, DType dtype)
    {
        if (!byName.TryGetValue(name, out var array))
            throw new ArgumentException($"load quantized model: the file has no '{name}' (was it saved from this quantized model?)");
        if (!array.Shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"load quantized model: '{name}' has shape {array.ShapeText} in the file but [{string.Join(", ", shape)}] in the model");
        if (array.DType != dtype)
            throw new ArgumentException($"load quantized model: '{name}' is {array.DType} in the file but must be {dtype} (is the file a float model?)");
    }
}
