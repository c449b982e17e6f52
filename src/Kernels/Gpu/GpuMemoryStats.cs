namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Device memory held by a <see cref="GpuBackend"/>'s caching allocator, in bytes (bucket sizes,
/// i.e. what the driver actually holds). Allocated = handed out to live buffers; cached = free
/// blocks kept for reuse; peak = the highest allocated value seen.
/// </summary>
public readonly record struct GpuMemoryStats(long AllocatedBytes, long CachedBytes, long PeakAllocatedBytes)
{
    /// <summary>Bytes the driver holds for this backend: allocated + cached.</summary>
    public long ReservedBytes => AllocatedBytes + CachedBytes;

    public override string ToString() =>
        $"allocated {AllocatedBytes} B, cached {CachedBytes} B, peak {PeakAllocatedBytes} B";
}
