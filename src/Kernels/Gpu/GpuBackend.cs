using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using DeepNet.Kernels.Fused;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// The ILGPU backend: every primitive is one of our kernels (partials GpuElementwise, GpuReduce,
/// GpuMatMul, GpuIm2Col, GpuGather), launched on the accelerator's default stream, so calls are
/// asynchronous and ordered; <see cref="CopyToHost"/> and <see cref="Synchronize"/> wait (the only
/// host syncs, counted in <see cref="Counters"/>) and raise index errors found on the device.
/// One instance per device per process (<see cref="Cuda"/>, <see cref="Emulator"/>): the
/// kernels are compiled once per accelerator and kept in <see cref="GpuKernelCache"/>.
/// Buffers must be disposed (tensor dispose scopes do it); see <see cref="GpuBuffer"/>.
/// </summary>
public sealed partial class GpuBackend : IBackend
{
    private static readonly ConcurrentDictionary<int, Lazy<GpuBackend>> CudaBackends = new();
    private static readonly Lazy<GpuBackend> EmulatorBackend = new(() =>
        new GpuBackend(GpuContext.EmulatorDevice.CreateCPUAccelerator(GpuContext.Instance, CPUAcceleratorMode.Parallel), "ilgpu-cpu"));

    private readonly Accelerator _accelerator;
    private readonly GpuMemoryPool _pool;
    private readonly GpuKernelCache _kernels;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _status;   // index-check slots (GpuIndexCheck)
    private readonly GpuCounter _counter = new();

    private GpuBackend(Accelerator accelerator, string name)
    {
        _accelerator = accelerator;
        Name = name;
        _pool = new GpuMemoryPool(accelerator, name);
        _kernels = new GpuKernelCache(accelerator, _counter);
        _status = accelerator.Allocate1D<float>(CheckedOps.Length * SlotLength);
        _status.MemSetToZero();
    }

    /// <summary>True when the CUDA driver reports at least one device.</summary>
    public static bool IsCudaAvailable => GpuContext.CudaDeviceCount > 0;

    /// <summary>Number of CUDA devices (0 without a driver).</summary>
    public static int CudaDeviceCount => GpuContext.CudaDeviceCount;

    /// <summary>The backend of CUDA device <paramref name="index"/>; throws when there is no such device.</summary>
    public static GpuBackend Cuda(int index = 0)
    {
        int count = GpuContext.CudaDeviceCount;
        if (index < 0 || index >= count)
            throw new InvalidOperationException(count == 0
                ? $"cuda:{index}: no CUDA device found (no NVIDIA driver or GPU visible to ILGPU); use the cpu device"
                : $"cuda:{index}: there are only {count} CUDA device(s)");
        return CudaBackends.GetOrAdd(index, i => new Lazy<GpuBackend>(() =>
            new GpuBackend(GpuContext.Instance.GetCudaDevice(i).CreateAccelerator(GpuContext.Instance), $"cuda:{i}"))).Value;
    }

    /// <summary>The same kernels on ILGPU's CPU accelerator (an emulator, ~µs a thread): for tests at tiny sizes.</summary>
    public static GpuBackend Emulator => EmulatorBackend.Value;

    public string Name { get; }

    /// <summary>The never-written stand-in for an absent input or output (the index-check slots live in it too).</summary>
    internal ArrayView<float> StatusView => _status.View;

    /// <summary>Kernel launches and host syncs so far; subtract two snapshots for the work between them.</summary>
    public GpuCounters Counters => _counter.Snapshot;

    /// <summary>Allocated, cached and peak bytes of this device's caching allocator.</summary>
    public GpuMemoryStats MemoryStats() => _pool.Stats();

    /// <summary>Waits for queued work, then frees every cached (unused) block back to the driver.</summary>
    public void EmptyCache()
    {
        Synchronize();
        _pool.EmptyCache();
    }

    /// <summary>Compiles every non-generic kernel now, so no later step pays for compilation.</summary>
    public void WarmUp() => _kernels.LoadAll();

    public DeviceBuffer Allocate(long length, bool zeroed = true) => Allocate(length, ElementType.Float32, zeroed);

    public DeviceBuffer Allocate(long length, ElementType elementType, bool zeroed = true)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), $"{Name}: buffer length {length} is negative");
        var buffer = new GpuBuffer(this, _pool, length, elementType);
        if (zeroed) buffer.Bytes.MemSetToZero(Stream);
        return buffer;
    }

    public void CopyFromHost(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset)
    {
        if (source.Length == 0) return;
        View(destination, destinationOffset, source.Length).CopyFromCPU(Stream, source);
    }

    public void CopyToHost(DeviceBuffer source, long sourceOffset, Span<float> destination)
    {
        if (destination.Length == 0) return;
        View(source, sourceOffset, destination.Length).CopyToCPU(Stream, destination);
        SyncAndCheck();
    }

    public void Random(RandomKind kind, double a, double b, ulong seed, ulong counter, DeviceBuffer dst, long dstOffset, long length)
    {
        if (dst.ElementType == ElementType.Float64)
        {
            RandomFloat64(kind, a, b, seed, counter, dst, dstOffset, length);
            return;
        }
        if (length == 0) return;
        View(dst, dstOffset, length);   // range check
        _kernels.Random.Value(Count(length), (int)kind, (float)a, (float)b, seed, counter, (int)dstOffset, View(dst));
    }

    public void Run<TOp>(in TOp op) where TOp : struct, IFusedOp => op.RunGpu(this);

    /// <summary>
    /// The launch delegate of a fused op's kernel, compiled on first use for this accelerator and
    /// then held for its lifetime. <paramref name="key"/> names the kernel (the op type, plus a tag
    /// when one op has several kernels or generic instantiations).
    /// </summary>
    internal TDelegate FusedKernel<TDelegate>(object key, Func<Accelerator, TDelegate> load) where TDelegate : Delegate =>
        _kernels.Fused(key, load);

    /// <summary>Waits for queued work; raises a bad index found by a queued gather/scatter/cross-entropy.</summary>
    public void Synchronize() => SyncAndCheck();

    private AcceleratorStream Stream => _accelerator.DefaultStream;

    /// <summary>The float view of a float32 buffer of this backend; throws naming the backend or element type otherwise.</summary>
    internal ArrayView<float> View(DeviceBuffer buffer)
    {
        var gpu = Own(buffer);
        if (gpu.ElementType != ElementType.Float32)
            throw new InvalidOperationException($"{Name}: this buffer holds {gpu.ElementType} elements, not Float32; this kernel reads float32 only (cast the tensor first)");
        return gpu.View;
    }

    /// <summary>The storage view of a buffer of any element type (<typeparamref name="T"/> of the element's size).</summary>
    internal ArrayView<T> ViewOf<T>(DeviceBuffer buffer) where T : unmanaged
    {
        var gpu = Own(buffer);
        if (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != gpu.ElementType.Size())
            throw new ArgumentException($"{Name}: a {gpu.ElementType} buffer cannot be read as {typeof(T).Name}");
        return gpu.ViewOf<T>();
    }

    private GpuBuffer Own(DeviceBuffer buffer)
    {
        if (buffer is not GpuBuffer gpu || !ReferenceEquals(buffer.Backend, this))
            throw new ArgumentException($"{Name}: buffer belongs to backend '{buffer.Backend.Name}'");
        ObjectDisposedException.ThrowIf(gpu.IsDisposed, buffer);
        return gpu;
    }

    private ArrayView<float> View(DeviceBuffer buffer, long offset, long length)
    {
        CheckRange(buffer, offset, length);
        return View(buffer).SubView(offset, length);
    }

    private void CheckRange(DeviceBuffer buffer, long offset, long length)
    {
        if (offset < 0 || offset + length > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{Name}: range [{offset}, {offset + length}) is outside a buffer of {buffer.Length} elements");
    }

    /// <summary>A launch extent; kernels index with int, so sizes must fit.</summary>
    internal Index1D Count(long size) =>
        size <= int.MaxValue ? new Index1D((int)size)
            : throw new ArgumentException($"{Name}: {size} elements exceed the {int.MaxValue} a GPU kernel launch indexes");
}
