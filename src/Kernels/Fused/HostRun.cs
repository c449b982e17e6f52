using DeepNet.Kernels.Cpu;

namespace DeepNet.Kernels.Fused;

/// <summary>
/// A contiguous run of a CPU buffer's array: what the fused updates' CPU bodies capture (a span
/// cannot be captured) and turn into a span inside each parallel chunk. Default = absent operand.
/// </summary>
internal readonly record struct HostRun(float[]? Data, int Offset)
{
    public static HostRun Of(ContiguousSlice? slice) => slice is { } s ? new(CpuBackend.Data(s.Buffer), s.Offset) : default;

    /// <summary>The run's first <paramref name="length"/> floats; empty when absent.</summary>
    public Span<float> Span(int length) => Data is null ? default : Data.AsSpan(Offset, length);
}
