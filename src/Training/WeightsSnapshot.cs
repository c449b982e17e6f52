using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Serialization;
using DeepNet.Autograd;

namespace DeepNet.Training;

/// <summary>A host copy of a module's parameters and buffers, to restore later or write as safetensors.</summary>
internal sealed class WeightsSnapshot
{
    private WeightsSnapshot(List<NamedArray> arrays) => Arrays = arrays;

    public IReadOnlyList<NamedArray> Arrays { get; }

    public static WeightsSnapshot Capture(Module model) =>
        new(model.StateDict().Select(kv => NamedArray.FromTensor(kv.Key, kv.Value)).ToList());

    /// <summary>Copies the values back into <paramref name="model"/>.</summary>
    public void Restore(Module model)
    {
        var tensors = Arrays.ToDictionary(a => a.Name, a => a.ToTensor().DetachFromScope());
        try
        {
            model.LoadStateDict(tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Writes a safetensors file atomically (temporary file, then rename).</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        SafeTensorsWriter.Write(path, Arrays, metadata);
    }
}
