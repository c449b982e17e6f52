namespace DeepNet.Serving;

/// <summary>
/// A parsed Open Inference Protocol v2 infer request: the input tensor as [Count, features]
/// row-major floats (normalized like /predict), the request id to echo, and whether the client
/// asked for the output as binary data (the binary tensor extension). Error is set instead when
/// the request was refused (with the HTTP status to answer).
/// </summary>
public sealed record V2Inference(float[]? Inputs, int Count, string? Id, string OutputName, bool BinaryOutput, int Status, string? Error)
{
    /// <summary>A refused request.</summary>
    public static V2Inference Refused(int status, string error) => new(null, 0, null, V2Protocol.OutputName, false, status, error);
}
