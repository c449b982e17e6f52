namespace DeepNet.Serving;

/// <summary>
/// The outcome of reading a /predict body: either the instances as one row-major buffer
/// ([Count, features], normalized) or the error kind (a metrics label) and a message for the client.
/// </summary>
public sealed record PredictInput(float[]? Inputs, int Count, string? ErrorKind, string? Error)
{
    /// <summary>A valid input of <paramref name="count"/> instances.</summary>
    public static PredictInput Valid(float[] inputs, int count) => new(inputs, count, null, null);

    /// <summary>A rejected input.</summary>
    public static PredictInput Invalid(string kind, string error) => new(null, 0, kind, error);

    public bool IsValid => Inputs is not null;
}
