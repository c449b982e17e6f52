namespace DeepNet.Serialization;

/// <summary>
/// A safetensors file is malformed: truncated, bad header, unknown dtype, offsets out of range,
/// overlapping or leaving holes, duplicate names. The message names the key and offset at fault.
/// Nothing from a file that throws this is ever returned. An <see cref="IOException"/>
/// (<see cref="InvalidDataException"/> is sealed), so callers handling file errors catch it too.
/// </summary>
public sealed class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception with a message naming the key/offset at fault.</summary>
    public SafeTensorsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping the parser error that revealed the problem.</summary>
    public SafeTensorsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
