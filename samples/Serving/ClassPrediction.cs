using System.Text.Json.Serialization;

namespace DeepNet.Serving;

/// <summary>A classifier's answer for one instance: the most probable class, its name when known, and every class probability.</summary>
public sealed record ClassPrediction(
    [property: JsonPropertyName("class_index")] int ClassIndex,
    [property: JsonPropertyName("class_name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClassName,
    [property: JsonPropertyName("probabilities")] float[] Probabilities);
