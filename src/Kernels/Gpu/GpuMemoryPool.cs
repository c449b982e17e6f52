using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Caching allocator for one accelerator. Requests are rounded up to a bucket (a power of two
/// up to 2 MiB, then whole 2 MiB granules) and disposed blocks go to a per-bucket free list, so
/// a training step that allocates the same shapes every iteration reuses the same memory and
/// never calls cuMemAlloc/cuMemFree (which synchronize the device) after warm-up.
/// All work runs on the accelerator's default stream, so a block returned while kernels that
/// use it are still queued is only rewritten by later kernels on that stream: reuse is safe.
/// </summary>
internal sealed class GpuMemoryPool : IDisposable
{
    private const long Granule = 2L << 20;
    private const long MinBlockBytes = 512;

    private readonly Accelerator _accelerator;
    private readonly string _device;
    private readonly Dictionary<long, Stack<MemoryBuffer1D<float, Stride1D.Dense>>> _free = [];
    private readonly object _lock = new();
    private long _allocated, _cached, _peak;

    public GpuMemoryPool(Accelerator accelerator, string device)
    {
        _accelerator = accelerator;
        _device = device;
    }

    /// <summary>The bucket a request of <paramref name="bytes"/> is served from.</summary>
    public static long BucketBytes(long bytes)
    {
        if (bytes <= MinBlockBytes) return MinBlockBytes;
        if (bytes <= Granule) return 1L << (64 - (int)long.LeadingZeroCount(bytes - 1));
        return (bytes + Granule - 1) / Granule * Granule;
    }

    /// <summary>A block of at least <paramref name="length"/> floats, reused when one is free.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Rent(long length)
    {
        long bytes = BucketBytes(length * sizeof(float));
        lock (_lock)
        {
            MemoryBuffer1D<float, Stride1D.Dense> block;
            if (_free.TryGetValue(bytes, out var stack) && stack.Count > 0)
            {
                block = stack.Pop();
                _cached -= bytes;
            }
            else
            {
                block = AllocateWithRetry(bytes);
            }
            _allocated += bytes;
            _peak = Math.Max(_peak, _allocated);
            return block;
        }
    }

    /// <summary>Hands a block back to its bucket's free list.</summary>
    public void Return(MemoryBuffer1D<float, Stride1D.Dense> block)
    {
        long bytes = block.LengthInBytes;
        lock (_lock)
        {
            _allocated -= bytes;
            if (!_free.TryGetValue(bytes, out var stack)) _free[bytes] = stack = new Stack<MemoryBuffer1D<float, Stride1D.Dense>>();
            stack.Push(block);
            _cached += bytes;
        }
    }

    /// <summary>Frees every cached block back to the driver.</summary>
    public void EmptyCache()
    {
        lock (_lock)
        {
            foreach (var stack in _free.Values)
                while (stack.Count > 0) stack.Pop().Dispose();
            _free.Clear();
            _cached = 0;
        }
    }

    public GpuMemoryStats Stats()
    {
        lock (_lock) return new GpuMemoryStats(_allocated, _cached, _peak);
    }

    public void Dispose() => EmptyCache();

    private MemoryBuffer1D<float, Stride1D.Dense> AllocateWithRetry(long bytes)
    {
        try
        {
            return _accelerator.Allocate1D<float>(bytes / sizeof(float));
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            EmptyCache();
            try
            {
                return _accelerator.Allocate1D<float>(bytes / sizeof(float));
            }
            catch (Exception retry) when (IsOutOfMemory(retry))
            {
                throw new GpuOutOfMemoryException(_device, bytes, new GpuMemoryStats(_allocated, _cached, _peak), retry);
            }
        }
    }

    private static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException ||
        (e is CudaException cuda && ($"{cuda.Error}".Contains("OUT_OF_MEMORY") || cuda.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)));
}
