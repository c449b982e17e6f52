using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepNet.Serialization;

// Field readers for Parse: each names the field at fault.
public sealed partial class ModelArchitecture
{
    private static JsonNode Required(JsonObject root, string key) =>
        root[key] ?? throw new ModelArchitectureException($"model architecture: missing required field '{key}'");

    private static string RequiredString(JsonObject root, string key) =>
        OptionalString(root, key) ?? throw new ModelArchitectureException($"model architecture: missing required field '{key}'");

    private static string? OptionalString(JsonObject root, string key) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new ModelArchitectureException($"model architecture: '{key}' must be a string, got {other.ToJsonString()}"),
    };

    private static ModelTask ParseTask(JsonObject root, bool hasClassNames) => OptionalString(root, "task") switch
    {
        "classification" => ModelTask.Classification,
        "regression" => ModelTask.Regression,
        // Files written before "task" existed: class names mark a classifier.
        null => hasClassNames ? ModelTask.Classification : ModelTask.Regression,
        var other => throw new ModelArchitectureException($"model architecture: 'task' must be \"classification\" or \"regression\", got \"{other}\""),
    };

    private static int[] ParseInts(JsonNode node, string key)
    {
        if (node is not JsonArray array) throw new ModelArchitectureException($"model architecture: '{key}' must be a list of integers");
        return array.Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.GetValue<JsonElement>().TryGetInt32(out int i)
                ? i
                : throw new ModelArchitectureException($"model architecture: '{key}' must hold integers, got {n?.ToJsonString() ?? "null"}"))
            .ToArray();
    }

    private static float[] ParseFloats(JsonNode? node, string key)
    {
        if (node is not JsonArray array) throw new ModelArchitectureException($"model architecture: '{key}' must be a list of numbers");
        return array.Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                ? (float)v.GetValue<JsonElement>().GetDouble()
                : throw new ModelArchitectureException($"model architecture: '{key}' must hold numbers, got {n?.ToJsonString() ?? "null"}"))
            .ToArray();
    }

    private static List<string> ParseStrings(JsonNode node, string key)
    {
        if (node is not JsonArray array) throw new ModelArchitectureException($"model architecture: '{key}' must be a list of strings");
        return array.Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw new ModelArchitectureException($"model architecture: '{key}' must hold strings, got {n?.ToJsonString() ?? "null"}"))
            .ToList();
    }

    private static InputNormalization ParseNormalization(JsonNode node)
    {
        if (node is not JsonObject norm) throw new ModelArchitectureException("model architecture: 'normalization' must be an object with 'mean' and 'std'");
        return new InputNormalization(ParseFloats(norm["mean"], "normalization.mean"), ParseFloats(norm["std"], "normalization.std"));
    }

    private static List<LayerSpec> ParseLayers(JsonNode node)
    {
        if (node is not JsonArray array) throw new ModelArchitectureException("model architecture: 'layers' must be a list of layer objects");
        var layers = new List<LayerSpec>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject entry)
                throw new ModelArchitectureException($"model architecture: layer {i} must be an object with a 'type'");
            if (entry["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String || type.GetValue<string>().Length == 0)
                throw new ModelArchitectureException($"model architecture: layer {i} is missing its 'type'");
            var arguments = new JsonObject();
            foreach (var (key, value) in entry)
                if (!LayerKeysNotArguments.Contains(key)) arguments[key] = value?.DeepClone();
            layers.Add(new LayerSpec(type.GetValue<string>(), arguments));
        }
        return layers;
    }

    private static JsonArray IntArray(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    private static JsonArray FloatArray(IEnumerable<float> values) => new(values.Select(v => (JsonNode?)v).ToArray());
}
