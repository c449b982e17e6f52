namespace DeepNet.Serialization;

/// <summary>A model file failed an integrity check: its digest or signature does not match, or a required one is missing.</summary>
public sealed class ModelIntegrityException : Exception
{
    /// <summary>Creates the exception with a message naming the file and the check that failed.</summary>
    public ModelIntegrityException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ModelIntegrityException(string message, Exception inner) : base(message, inner)
    {
    }
}
