namespace DeepNet.Serialization.Onnx;

/// <summary>A model that cannot be exported to ONNX: the message names the op (and module) at fault.</summary>
public sealed class OnnxExportException(string message) : Exception(message);
