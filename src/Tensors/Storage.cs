using DeepNet.Kernels;

namespace DeepNet.Tensors;

/// <summary>
/// The tensor layer's side of device buffers: a tensor and its views share one reference-counted
/// <see cref="DeviceBuffer"/> (the count is the buffer's own), and <see cref="TensorMemory"/> counts
/// the bytes of those alive. The buffer goes back to the device's pool when the last tensor using it is disposed.
/// </summary>
internal static class Storage
{
    public static DeviceBuffer Allocate(Device device, long length, bool zeroed, DType dtype = DType.Float32)
    {
        var buffer = device.Backend.Allocate(length, dtype.ToElementType(), zeroed);
        TensorMemory.Allocated(buffer.ByteLength);
        return buffer;
    }

    /// <summary>Drops one tensor's hold on <paramref name="buffer"/>; the last one frees it.</summary>
    public static void Release(DeviceBuffer buffer)
    {
        long bytes = buffer.ByteLength;
        if (buffer.ReleaseReference()) TensorMemory.Freed(bytes);
    }
}
