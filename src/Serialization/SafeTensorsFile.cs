namespace DeepNet.Serialization;

/// <summary>
/// The validated content of a safetensors file: float32 arrays in header order plus the
/// <c>__metadata__</c> strings. Built only by <see cref="SafeTensorsReader"/>, after every check passed.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, NamedArray> _byName;

    /// <summary>Wraps arrays with unique names and their metadata.</summary>
    public SafeTensorsFile(IReadOnlyList<NamedArray> arrays, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(metadata);
        Arrays = arrays;
        Metadata = metadata;
        _byName = new Dictionary<string, NamedArray>(arrays.Count, StringComparer.Ordinal);
        foreach (NamedArray array in arrays)
        {
            if (!_byName.TryAdd(array.Name, array))
            {
                throw new ArgumentException($"safetensors: tensor name '{array.Name}' appears twice", nameof(arrays));
            }
        }
    }

    /// <summary>The arrays, in the order the header lists them.</summary>
    public IReadOnlyList<NamedArray> Arrays { get; }

    /// <summary>The file's <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor names in header order.</summary>
    public IEnumerable<string> Names => Arrays.Select(a => a.Name);

    /// <summary>The array named <paramref name="name"/>; KeyNotFoundException naming the key otherwise.</summary>
    public NamedArray this[string name] => _byName.TryGetValue(name, out NamedArray? array)
        ? array
        : throw new KeyNotFoundException($"safetensors: no tensor named '{name}' (file has {Arrays.Count}: {string.Join(", ", Names.Take(20))}{(Arrays.Count > 20 ? ", ..." : "")})");

    /// <summary>Looks up an array by name.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NamedArray? array) =>
        _byName.TryGetValue(name, out array);
}
