namespace DeepNet.GpuCompare;

/// <summary>
/// A Transformer encoder workload: <paramref name="Layers"/> post-norm ReLU layers of width
/// <paramref name="Dim"/> with <paramref name="Heads"/> heads and a <paramref name="Feedforward"/>-wide
/// MLP, on an input [<paramref name="Batch"/>, <paramref name="Length"/>, Dim] (batch first), no dropout.
/// </summary>
public sealed record EncoderSize(int Layers, int Dim, int Heads, int Feedforward, int Batch, int Length);
