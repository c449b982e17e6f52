using DeepNet.Kernels;

namespace DeepNet.Tensors;

/// <summary>
/// A device buffer shared by a tensor and its views, reference-counted: the buffer goes back
/// to the device's pool when the last tensor using it is disposed.
/// </summary>
internal sealed class Storage
{
    private int _references = 1;

    public Storage(Device device, DeviceBuffer buffer)
    {
        Device = device;
        Buffer = buffer;
        TensorMemory.Allocated(buffer.ByteLength);
    }

    public Device Device { get; }
    public DeviceBuffer Buffer { get; }

    public static Storage Allocate(Device device, long length, bool zeroed, DType dtype = DType.Float32) =>
        new(device, device.Backend.Allocate(length, dtype.ToElementType(), zeroed));

    /// <summary>True when a single tensor uses this storage.</summary>
    public bool IsExclusive => Volatile.Read(ref _references) == 1;

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        TensorMemory.Freed(Buffer.ByteLength);
        Buffer.Dispose();
    }
}
