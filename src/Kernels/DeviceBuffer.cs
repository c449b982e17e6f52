namespace DeepNet.Kernels;

/// <summary>
/// A flat run of <see cref="Length"/> elements of one <see cref="ElementType"/> owned by one
/// backend. Disposing returns the memory to the backend's pool; the tensor layer
/// reference-counts buffers shared by views.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    protected DeviceBuffer(IBackend backend, long length, ElementType elementType = ElementType.Float32)
    {
        Backend = backend;
        Length = length;
        ElementType = elementType;
    }

    public IBackend Backend { get; }

    /// <summary>Number of elements (not bytes).</summary>
    public long Length { get; }

    public ElementType ElementType { get; }

    public long ByteLength => Length * ElementType.Size();
    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Hands the memory back to the backend's pool.</summary>
    protected abstract void Release();
}
