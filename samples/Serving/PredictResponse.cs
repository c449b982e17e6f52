namespace DeepNet.Serving;

/// <summary>The /predict answer: one prediction per instance, in request order.</summary>
public sealed record PredictResponse(IReadOnlyList<object> Predictions);
