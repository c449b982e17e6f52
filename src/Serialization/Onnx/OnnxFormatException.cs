namespace DeepNet.Serialization.Onnx;

/// <summary>
/// An .onnx file cannot be read or imported: corrupt or truncated protobuf, an opset outside the
/// supported range, a tensor whose data does not fit its shape, a missing external-data file, a
/// node input nothing defines, or initializers that do not fit the architecture being imported.
/// The message names the file and the node or tensor at fault; nothing half-built is returned.
/// An <see cref="IOException"/>, so callers handling file errors catch it too.
/// </summary>
public sealed class OnnxFormatException : IOException
{
    /// <summary>Creates the exception with a message naming the file and node/tensor at fault.</summary>
    public OnnxFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping the parser error that revealed the problem.</summary>
    public OnnxFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
