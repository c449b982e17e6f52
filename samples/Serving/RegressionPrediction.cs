using System.Text.Json.Serialization;

namespace DeepNet.Serving;

/// <summary>A regressor's answer for one instance: the predicted values (one per model output).</summary>
public sealed record RegressionPrediction([property: JsonPropertyName("values")] float[] Values);
