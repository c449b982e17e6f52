namespace DeepNet.Serving;

/// <summary>
/// One loaded version of a named model, shared by the requests that use it. Each request takes a
/// lease (<see cref="TryAcquire"/>) and releases it when its answer is written; a reload or unload
/// retires the handle, and the model is disposed once the last lease is released, so a version
/// that is replaced finishes every request it started. <see cref="Gate"/> serializes forward
/// passes outside the batching queue (a model runs one pass at a time).
/// </summary>
public sealed class ModelHandle
{
    private int _leases = 1;  // the repository's own reference, dropped by Retire
    private int _retired;

    public ModelHandle(string name, string version, LoadedModel model, string weightsPath, DateTime weightsWritten)
    {
        Name = name;
        Version = version;
        Model = model;
        WeightsPath = weightsPath;
        WeightsWritten = weightsWritten;
    }

    public string Name { get; }

    public string Version { get; }

    public LoadedModel Model { get; }

    /// <summary>The weights file the model came from.</summary>
    public string WeightsPath { get; }

    /// <summary>Last write time of the weights (or architecture) when loaded; a later one means reload.</summary>
    public DateTime WeightsWritten { get; }

    /// <summary>One forward pass at a time for runs that do not go through the batching queue.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>True once replaced or unloaded; new requests no longer get this version.</summary>
    public bool IsRetired => Volatile.Read(ref _retired) == 1;

    /// <summary>True once the model was disposed (retired and every lease released).</summary>
    public bool IsDisposed => Volatile.Read(ref _leases) == 0;

    /// <summary>Takes a lease; false when the handle was already disposed (the caller looks it up again).</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int leases = Volatile.Read(ref _leases);
            if (leases == 0) return false;
            if (Interlocked.CompareExchange(ref _leases, leases + 1, leases) == leases) return true;
        }
    }

    /// <summary>Releases a lease; the last release of a retired handle disposes the model.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _leases);
        if (left < 0) throw new InvalidOperationException($"model {Name} version {Version}: lease released twice");
        if (left == 0)
        {
            Model.Dispose();
            Gate.Dispose();
        }
    }

    /// <summary>Drops the repository's reference (once); the model lives on until in-flight requests release theirs.</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0) Release();
    }
}
