namespace DeepNet.Kernels;

/// <summary>
/// A flat run of float32 elements owned by one backend. Disposing returns the memory to the
/// backend's pool; the tensor layer reference-counts buffers shared by views.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    protected DeviceBuffer(IBackend backend, long length)
    {
        Backend = backend;
        Length = length;
    }

    public IBackend Backend { get; }
    public long Length { get; }
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
