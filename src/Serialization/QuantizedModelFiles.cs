using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Serialization;

// Files of int8-quantized models. Each int8 weight of a module at path p (IQuantizedState: the
// quantized layers' "weight", attention's "in_proj_weight") is stored as
//   p.weight            I8  [out, ...]   the int8 codes
//   p.weight_scale      F32 [out]        per-output-channel (or per-row) scales
//   p.input_scale       F32 []           static activation quantization (absent when dynamic;
//   p.input_zero_point  I32 []           "in_proj_input_..." for attention)
// next to the float state dict (biases, the layers left float), in one safetensors file that
// torch's safetensors reads. ModuleFiles.Save/Load route quantized models here.
// The codes are not yet Int8 tensor slots of the modules (they live in QuantizedWeight, packed
// for the kernels), so they are gathered here through IQuantizedState rather than the state dict.
internal static class QuantizedModelFiles
{
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata)
    {
        var arrays = module.ToNamedArrays().ToList();
        foreach (var (prefix, part) in Parts(module))
        {
            var weight = part.Weight;
            arrays.Add(NamedArray.Of(prefix + part.Name, weight.Shape.ToArray(), weight.Values));
            arrays.Add(NamedArray.Of(prefix + part.Name + "_scale", [weight.OutChannels], weight.Scales));
            if (part.Input is { } qp)
            {
                arrays.Add(NamedArray.Of(prefix + part.InputKey + "_scale", [], new[] { qp.Scale }));
                arrays.Add(NamedArray.Of(prefix + part.InputKey + "_zero_point", [], new[] { qp.ZeroPoint }));
            }
        }
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { ["deepnet.quantization"] = "int8" };
        SafeTensorsWriter.Write(path, arrays, meta);
    }

    /// <summary>Loads the int8 parts of every quantized module, then the float state; validates everything first.</summary>
    public static void Load(Module module, IReadOnlyList<NamedArray> arrays, bool strict)
    {
        var byName = arrays.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var loads = new List<Action>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, part) in Parts(module))
        {
            var weight = part.Weight;
            var values = Take(byName, used, prefix + part.Name, weight.Shape.ToArray(), DType.Int8).ToArray<sbyte>();
            var scales = Take(byName, used, prefix + part.Name + "_scale", [weight.OutChannels], DType.Float32).Data;
            QuantizationParams? qp = null;
            if (part.Input is not null)
            {
                string key = prefix + part.InputKey;
                qp = new QuantizationParams(Take(byName, used, key + "_scale", [], DType.Float32).Data[0],
                    Take(byName, used, key + "_zero_point", [], DType.Int32).ToArray<int>()[0]);
                qp.Value.Validate($"load quantized model: '{key}_scale'");
            }
            var device = weight.Device;
            var loaded = weight.IsLookupTable ? QuantizedWeight.Rows(values, scales, weight.Shape.ToArray(), device)
                : new QuantizedWeight(values, scales, weight.Shape.ToArray(), device);
            loads.Add(() => part.Load(loaded, qp));
        }
        var rest = arrays.Where(a => !used.Contains(a.Name)).ToList();
        module.CheckNamedArrays(rest, strict);
        ModuleFiles.LoadFloatArrays(module, rest, strict);
        foreach (var load in loads) load();
    }

    /// <summary>(dotted prefix with a trailing dot, part) of each int8 weight in the tree, depth first.</summary>
    private static IEnumerable<(string Prefix, QuantizedPart Part)> Parts(Module module, string prefix = "")
    {
        if (module is IQuantizedState state)
            foreach (var part in state.QuantizedParts()) yield return (prefix, part);
        foreach (var (name, child) in module.NamedChildren())
            foreach (var inner in Parts(child, prefix + name + ".")) yield return inner;
    }

    private static NamedArray Take(Dictionary<string, NamedArray> byName, HashSet<string> used, string name, int[] shape, DType dtype)
    {
        if (!byName.TryGetValue(name, out var array))
            throw new ArgumentException($"load quantized model: the file has no '{name}' (was it saved from this quantized model?)");
        if (!array.Shape.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"load quantized model: '{name}' has shape {array.ShapeText} in the file but [{string.Join(", ", shape)}] in the model");
        if (array.DType != dtype)
            throw new ArgumentException($"load quantized model: '{name}' is {array.DType} in the file but must be {dtype} (is the file a float model?)");
        used.Add(name);
        return array;
    }
}
