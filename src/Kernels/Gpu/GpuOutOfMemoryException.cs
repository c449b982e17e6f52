namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Thrown when a device allocation fails even after the caching allocator released every free
/// block and retried. The message names the request and the allocator's state.
/// </summary>
public sealed class GpuOutOfMemoryException : OutOfMemoryException
{
    public GpuOutOfMemoryException(string device, long requestedBytes, GpuMemoryStats stats, Exception inner)
        : base($"{device}: out of memory allocating {requestedBytes} bytes ({stats}; the cache was emptied and the allocation retried once)", inner)
    {
        RequestedBytes = requestedBytes;
        Stats = stats;
    }

    public long RequestedBytes { get; }
    public GpuMemoryStats Stats { get; }
}
