namespace DeepNet.Kernels.Fused;

/// <summary>A dense run of a buffer starting at <paramref name="Offset"/> (operands of the fused optimizer updates).</summary>
public readonly record struct ContiguousSlice(DeviceBuffer Buffer, int Offset);
