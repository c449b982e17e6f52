using System.Collections.Concurrent;
using DeepNet.Kernels.Gpu;

namespace DeepNet.Tensors;

// GPU devices: CUDA through ILGPU, and the same kernels on ILGPU's CPU accelerator for tests.
public sealed partial class Device
{
    private static readonly ConcurrentDictionary<int, Device> CudaDevices = new();
    private static readonly Lazy<Device> Emulator = new(() => new Device(DeviceType.GpuEmulator, 0, GpuBackend.Emulator));

    /// <summary>True when a CUDA device can be used.</summary>
    public static bool IsCudaAvailable => GpuBackend.IsCudaAvailable;

    /// <summary>CUDA device number <paramref name="index"/>; throws a clear error when there is none.</summary>
    public static Device Cuda(int index = 0) =>
        CudaDevices.TryGetValue(index, out var device) ? device : AddCuda(index);

    private static Device AddCuda(int index)
    {
        lock (CudaDevices)
        {
            var device = CudaDevices.GetOrAdd(index, i => new Device(DeviceType.Cuda, i, GpuBackend.Cuda(i)));
            if (Array.IndexOf(_cudaDevices, device) < 0) _cudaDevices = [.. _cudaDevices, device];
            return device;
        }
    }

    // The CUDA devices made so far, copied on write: OfGpu scans it without locking or allocating.
    private static volatile Device[] _cudaDevices = [];

    /// <summary>The GPU device whose backend made <paramref name="backend"/>'s buffers.</summary>
    private static Device OfGpu(Kernels.IBackend backend)
    {
        if (Emulator.IsValueCreated && ReferenceEquals(Emulator.Value.Backend, backend)) return Emulator.Value;
        foreach (var device in _cudaDevices)
            if (ReferenceEquals(device.Backend, backend)) return device;
        throw new InvalidOperationException($"device: no device owns backend '{backend.Name}'");
    }

    /// <summary>CUDA device 0 when present, else the CPU.</summary>
    public static Device Auto => IsCudaAvailable ? Cuda(0) : Cpu;

    /// <summary>
    /// The GPU kernels run by ILGPU's CPU accelerator: slow (an emulator), for testing GPU code
    /// paths on machines without a GPU at tiny sizes.
    /// </summary>
    public static Device GpuEmulator => Emulator.Value;

    /// <summary>Memory held by this device's caching allocator (GPU devices only).</summary>
    public GpuMemoryStats MemoryStats() => Backend is GpuBackend gpu
        ? gpu.MemoryStats()
        : throw new InvalidOperationException($"memory_stats: {this} has no caching allocator; only GPU devices report memory stats");

    /// <summary>Waits for every queued kernel of this device; throws for a bad gather/scatter/cross-entropy index one of them found.</summary>
    public void Synchronize() => Backend.Synchronize();
}
