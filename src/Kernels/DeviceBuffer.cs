namespace DeepNet.Kernels;

/// <summary>
/// A flat run of <see cref="Length"/> elements of one <see cref="ElementType"/> owned by one
/// backend, reference-counted: it starts with one holder, <see cref="AddReference"/> adds one (a
/// tensor view sharing it), and the last <see cref="ReleaseReference"/> or <see cref="Dispose"/>
/// returns the memory to the backend's pool. The count lives here, not in a wrapper object, so a
/// fresh tensor costs one object fewer.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    private int _references = 1;

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

    /// <summary>True while more than one holder shares the buffer.</summary>
    public bool IsShared => Volatile.Read(ref _references) > 1;

    /// <summary>Adds a holder; each holder calls <see cref="ReleaseReference"/> (or Dispose) once.</summary>
    public void AddReference()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Interlocked.Increment(ref _references);
    }

    /// <summary>Drops one holder; true when it was the last, and the memory went back to the pool.</summary>
    public bool ReleaseReference()
    {
        if (IsDisposed) return false;
        // A sole holder needs no atomic: nobody else can reach the buffer to add a holder meanwhile.
        if (Volatile.Read(ref _references) != 1 && Interlocked.Decrement(ref _references) != 0) return false;
        IsDisposed = true;
        Release();
        GC.SuppressFinalize(this);
        return true;
    }

    /// <summary>As <see cref="ReleaseReference"/>: for a buffer with one holder (a backend's scratch), frees it.</summary>
    public void Dispose() => ReleaseReference();

    /// <summary>Hands the memory back to the backend's pool.</summary>
    protected abstract void Release();
}
