using System.Globalization;

namespace DeepNet.Serialization;

/// <summary>
/// A training checkpoint: named arrays (model parameters, optimizer state, ...) plus metadata
/// strings (epoch, step, learning rate), saved as one safetensors file written atomically
/// (temp file, flush, rename), so a crash mid-save leaves the previous checkpoint intact.
/// </summary>
public sealed class Checkpoint
{
    private readonly Dictionary<string, string> _metadata;

    /// <summary>Creates a checkpoint from arrays with unique names and optional metadata.</summary>
    public Checkpoint(IEnumerable<NamedArray> arrays, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        // Builds the name index and rejects duplicate names.
        Content = new SafeTensorsFile(arrays.ToList(), new Dictionary<string, string>());
        _metadata = metadata is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
    }

    private SafeTensorsFile Content { get; }

    /// <summary>The arrays, in the order they are stored.</summary>
    public IReadOnlyList<NamedArray> Arrays => Content.Arrays;

    /// <summary>Metadata strings stored in the file's <c>__metadata__</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata;

    /// <summary>The array named <paramref name="name"/>; KeyNotFoundException naming the key otherwise.</summary>
    public NamedArray this[string name] => Content[name];

    /// <summary>Looks up an array by name.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NamedArray? array) =>
        Content.TryGet(name, out array);

    /// <summary>Sets a metadata string.</summary>
    public void SetMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata[key] = value;
    }

    /// <summary>Sets an integer metadata value (such as the epoch), stored invariant-culture.</summary>
    public void SetInt(string key, long value) => SetMetadata(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Reads an integer metadata value; <see cref="SafeTensorsFormatException"/> naming the key
    /// when it is missing or not an integer.
    /// </summary>
    public long GetInt(string key)
    {
        if (!_metadata.TryGetValue(key, out string? text))
        {
            throw new SafeTensorsFormatException($"checkpoint: metadata key '{key}' is missing");
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw new SafeTensorsFormatException($"checkpoint: metadata key '{key}' is '{text}', expected an integer");
        }

        return value;
    }

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => SafeTensorsWriter.Write(path, Arrays, _metadata);

    /// <summary>Loads a checkpoint, validating the whole file first (see <see cref="SafeTensorsReader"/>).</summary>
    public static Checkpoint Load(string path)
    {
        SafeTensorsFile file = SafeTensorsReader.Read(path);
        return new Checkpoint(file.Arrays, file.Metadata);
    }
}
