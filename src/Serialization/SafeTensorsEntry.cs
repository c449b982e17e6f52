namespace DeepNet.Serialization;

/// <summary>
/// One validated header entry: where a tensor's bytes lie, relative to the data region
/// (which starts right after the header, at file offset <c>8 + headerLength</c>).
/// </summary>
internal sealed record SafeTensorsEntry(string Name, SafeTensorsDType DType, int[] Shape, long Begin, long End);
