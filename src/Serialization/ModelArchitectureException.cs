namespace DeepNet.Serialization;

/// <summary>
/// A model architecture file (the JSON written next to the weights) is malformed or describes
/// something that cannot be built; the message names the field or layer at fault.
/// </summary>
public sealed class ModelArchitectureException : IOException
{
    /// <summary>Creates the exception with a message naming the problem.</summary>
    public ModelArchitectureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping the parser's or factory's error.</summary>
    public ModelArchitectureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
