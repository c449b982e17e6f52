using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>Saves and loads a module's parameters and buffers as safetensors, by their dotted names.</summary>
public static class ModelFiles
{
    /// <summary>Writes every parameter and buffer of <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Save(Module model, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        WeightsSnapshot.Capture(model).Save(path, metadata);

    /// <summary>Loads <paramref name="path"/> into <paramref name="model"/>; names and shapes must match (strict).</summary>
    public static void Load(Module model, string path)
    {
        var file = SafeTensorsReader.Read(path);
        var tensors = file.Arrays.ToDictionary(a => a.Name, a => Tensor.FromArray(a.Data, a.Shape).DetachFromScope());
        try
        {
            model.LoadStateDict(tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
