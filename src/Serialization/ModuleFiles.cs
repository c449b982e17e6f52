using DeepNet.Tensors;
using DeepNet.Layers;

namespace DeepNet.Serialization;

/// <summary>
/// Saving and loading a module's state dict as a safetensors file, keyed by the dotted names of
/// <see cref="Module.StateDict"/> ("0.weight", "2.running_mean"), so files load by name in PyTorch
/// for a model of the same structure, and PyTorch's files load here.
/// </summary>
public static class ModuleFiles
{
    /// <summary>
    /// Writes every parameter and buffer to <paramref name="path"/> atomically (temp file, then
    /// rename), then its SHA-256 to the sidecar "<paramref name="path"/>.sha256" (<see cref="ModelDigest"/>).
    /// </summary>
    public static void Save(this Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        // A quantized model's int8 codes and scales are not state-dict tensors (yet): its own writer stores them as I8/F32.
        if (module.FindInferenceOnly() is not null) QuantizedModelFiles.Save(module, path, metadata);
        else SafeTensorsWriter.Write(path, module.ToNamedArrays(), metadata);
        ModelDigest.Write(path);
    }

    /// <summary>
    /// Loads a file written by <see cref="Save"/> (or by PyTorch's safetensors). The whole file is
    /// validated first (<see cref="SafeTensorsReader"/>), then the names and shapes against the
    /// module (missing/unexpected keys when <paramref name="strict"/>, any shape mismatch), and only
    /// then are values copied: on any error the module is unchanged. Each file tensor keeps its
    /// dtype until <see cref="Module.LoadStateDict"/> converts it to the module's (F64/F16/BF16
    /// into a float32 parameter is an explicit rounding cast; an integer value that does not
    /// survive the conversion exactly is refused).
    /// </summary>
    public static void Load(this Module module, string path, bool strict = true) =>
        module.LoadNamedArrays(SafeTensorsReader.Read(path).Arrays, strict);

    /// <summary>Copies of the state dict as host arrays, each name prefixed with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<NamedArray> ToNamedArrays(this Module module, string prefix = "") =>
        module.StateDict().Select(kv => NamedArray.FromTensor(prefix + kv.Key, kv.Value)).ToList();

    /// <summary>
    /// Loads the arrays whose names start with <paramref name="prefix"/> (prefix removed), after
    /// validating names and shapes as <see cref="Module.LoadStateDict"/> does; arrays without the prefix are ignored.
    /// </summary>
    public static void LoadNamedArrays(this Module module, IEnumerable<NamedArray> arrays, bool strict = true, string prefix = "")
    {
        // A quantized model takes its int8 codes and scales first (QuantizedModelFiles), then the float rest through here.
        if (prefix.Length == 0 && module.FindInferenceOnly() is not null) QuantizedModelFiles.Load(module, arrays.ToList(), strict);
        else LoadFloatArrays(module, arrays, strict, prefix);
    }

    internal static void LoadFloatArrays(Module module, IEnumerable<NamedArray> arrays, bool strict = true, string prefix = "")
    {
        var state = Select(arrays, prefix);
        CheckNamedArrays(module, state, strict);
        var tensors = state.ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor().DetachFromScope());
        try
        {
            module.LoadStateDict(tensors, strict);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Throws as <see cref="LoadNamedArrays"/> would, without changing the module.</summary>
    public static void CheckNamedArrays(this Module module, IEnumerable<NamedArray> arrays, bool strict = true, string prefix = "") =>
        CheckNamedArrays(module, Select(arrays, prefix), strict);

    private static void CheckNamedArrays(Module module, Dictionary<string, NamedArray> state, bool strict) =>
        module.CheckStateShapes(state.ToDictionary(kv => kv.Key, kv => new Shape(kv.Value.Shape)), strict);

    private static Dictionary<string, NamedArray> Select(IEnumerable<NamedArray> arrays, string prefix) =>
        arrays.Where(a => a.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(a => a.Name[prefix.Length..], a => a, StringComparer.Ordinal);
}
