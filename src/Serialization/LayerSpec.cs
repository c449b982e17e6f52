using System.Text.Json;
using System.Text.Json.Nodes;
using DeepNet.Tensors;

namespace DeepNet.Serialization;

/// <summary>
/// One layer of a <see cref="ModelArchitecture"/>: its type name ("Conv2D") and constructor
/// arguments in snake_case ("out_channels": 32, "kernel_size": [3, 3]). The typed getters throw a
/// <see cref="ModelArchitectureException"/> naming the layer and the key when a value is missing or
/// has the wrong kind.
/// </summary>
public sealed class LayerSpec
{
    /// <summary>Creates a spec; <paramref name="arguments"/> may be null for layers without any.</summary>
    public LayerSpec(string type, JsonObject? arguments = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        Type = type;
        Arguments = arguments ?? [];
    }

    /// <summary>The registered layer type name, e.g. "Dense".</summary>
    public string Type { get; }

    /// <summary>Constructor arguments by snake_case name; informational keys ("params", "output_shape") may be present too.</summary>
    public JsonObject Arguments { get; }

    /// <summary>Where the spec sits in its model, for messages ("layer 3 (Dense)").</summary>
    internal string Label { get; set; } = "layer";

    /// <summary>An integer argument; <paramref name="fallback"/> when absent, else an error.</summary>
    public int Int(string key, int? fallback = null) =>
        Read(key, fallback, node => Element(node) is { ValueKind: JsonValueKind.Number } e && e.TryGetInt32(out int v) ? v : null, "an integer");

    /// <summary>A number argument; <paramref name="fallback"/> when absent, else an error.</summary>
    public float Float(string key, float? fallback = null) =>
        Read(key, fallback, node => Element(node) is { ValueKind: JsonValueKind.Number } e && e.TryGetDouble(out double v) && double.IsFinite(v) ? (float)v : null, "a finite number");

    /// <summary>A boolean argument; <paramref name="fallback"/> when absent, else an error.</summary>
    public bool Bool(string key, bool? fallback = null) =>
        Read(key, fallback, node => Element(node).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => (bool?)null,
        }, "true or false");

    /// <summary>An (H, W) argument written as [h, w] or as one integer for both.</summary>
    public (int H, int W) Pair(string key, (int H, int W)? fallback = null)
    {
        if (Arguments[key] is JsonArray array)
        {
            int[] values = Ints(key, array);
            if (values.Length != 2) throw Error($"'{key}' must be [h, w], got {values.Length} values");
            return (values[0], values[1]);
        }
        if (fallback is { } pair && !Arguments.ContainsKey(key)) return pair;
        int single = Int(key);
        return (single, single);
    }

    /// <summary>
    /// An activation argument, written in snake_case ("relu", "gelu"; any case reads);
    /// <paramref name="fallback"/> when absent, else an error naming the known values.
    /// </summary>
    public Activation Activation(string key, Activation? fallback = null) => Choice(key, fallback);

    /// <summary>An enum argument by lower-case name ("tanh"; any case reads), else an error naming the known values.</summary>
    public T Choice<T>(string key, T? fallback = null) where T : struct, Enum
    {
        if (!Arguments.TryGetPropertyValue(key, out JsonNode? node) || node is null)
            return fallback ?? throw Error($"missing '{key}'");
        string[] names = Enum.GetNames<T>();
        // Names only: Enum.TryParse would also take "1" or "relu, gelu".
        if (node is JsonValue value && Element(value) is { ValueKind: JsonValueKind.String } e
            && names.FirstOrDefault(n => string.Equals(n, e.GetString(), StringComparison.OrdinalIgnoreCase)) is { } name)
            return Enum.Parse<T>(name);
        throw Error($"'{key}' must be one of {string.Join(", ", names.Select(n => '"' + n.ToLowerInvariant() + '"'))}, got {node.ToJsonString()}");
    }

    /// <summary>A list-of-integers argument, e.g. a normalized shape.</summary>
    public int[] IntArray(string key)
    {
        if (Arguments[key] is JsonArray array) return Ints(key, array);
        if (!Arguments.ContainsKey(key)) throw Error($"missing '{key}'");
        throw Error($"'{key}' must be a list of integers");
    }

    private int[] Ints(string key, JsonArray array) => array
        .Select(n => n is JsonValue v && Element(v) is { ValueKind: JsonValueKind.Number } e && e.TryGetInt32(out int i) ? i : throw Error($"'{key}' must hold integers"))
        .ToArray();

    private T Read<T>(string key, T? fallback, Func<JsonValue, T?> convert, string expected) where T : struct
    {
        if (!Arguments.TryGetPropertyValue(key, out JsonNode? node) || node is null)
            return fallback ?? throw Error($"missing '{key}'");
        if (node is JsonValue value && convert(value) is T result) return result;
        throw Error($"'{key}' must be {expected}, got {node.ToJsonString()}");
    }

    private ModelArchitectureException Error(string what) =>
        new($"model architecture: {Label} ({Type}): {what}");

    /// <summary>Adds an argument (for <see cref="LayerRegistry"/> describers).</summary>
    public LayerSpec With(string key, JsonNode? value)
    {
        Arguments[key] = value;
        return this;
    }

    /// <summary>Adds an optional integer argument only when it has a value (absent reads as none).</summary>
    public LayerSpec WithIfSet(string key, int? value) => value is int v ? With(key, v) : this;

    /// <summary>Adds an activation argument as its lower-case name; Identity (the default) is omitted.</summary>
    public LayerSpec WithActivation(Activation activation, string key = "activation") =>
        activation == Tensors.Activation.Identity ? this : With(key, activation.ToString().ToLowerInvariant());

    /// <summary>Adds an (H, W) argument as [h, w].</summary>
    public LayerSpec With(string key, (int H, int W) pair) => With(key, new JsonArray(pair.H, pair.W));

    // Values built in code (JsonValue.Create) and parsed ones read the same way through an element.
    private static JsonElement Element(JsonNode node) => JsonSerializer.SerializeToElement(node);
}
