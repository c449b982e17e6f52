using DeepNet.Tensors;

namespace DeepNet.Distributed;

/// <summary>
/// A group of parameters whose gradients travel in one all-reduce: a flat host buffer with each
/// parameter at its offset, and the per-step state (which gradients are final, in flight, stale).
/// </summary>
internal sealed class GradientBucket(int index, IReadOnlyList<Tensor> parameters)
{
    private readonly bool[] _ready = new bool[parameters.Count];
    private int _readyCount;

    public int Index { get; } = index;
    public IReadOnlyList<Tensor> Parameters { get; } = parameters;
    public float[] Flat { get; } = new float[parameters.Sum(p => p.Size)];

    /// <summary>The all-reduce in flight since launch; null before.</summary>
    public Task? Pending { get; private set; }

    /// <summary>A gradient changed after launch (a parameter used again, or gradient accumulation): reduce again at sync.</summary>
    public bool Stale { get; private set; }

    public bool IsComplete => _readyCount == Parameters.Count;

    /// <summary>Marks parameter <paramref name="slot"/>'s gradient as accumulated; true when that completed the bucket.</summary>
    public bool MarkReady(int slot)
    {
        if (Pending is not null)
        {
            Stale = true;
            return false;
        }
        if (_ready[slot]) return false;
        _ready[slot] = true;
        return ++_readyCount == Parameters.Count;
    }

    /// <summary>Copies the gradients (zeros where a parameter got none this step) into the flat buffer and starts its sum.</summary>
    public void Launch(Communicator communicator)
    {
        Pack();
        Pending = communicator.StartAllReduceSum(Flat);
    }

    /// <summary>Packs again and reduces synchronously (after a stale launch).</summary>
    public void ReduceAgain(Communicator communicator)
    {
        Pack();
        communicator.AllReduceSum(Flat);
    }

    /// <summary>Writes Flat / worldSize into each parameter's Grad (creating Grad where backward made none).</summary>
    public void Unpack(int worldSize)
    {
        float scale = 1f / worldSize;
        int offset = 0;
        foreach (var p in Parameters)
        {
            int size = (int)p.Size;
            var mean = new float[size];
            for (int i = 0; i < size; i++) mean[i] = Flat[offset + i] * scale;
            offset += size;
            var values = Tensor.FromArray(mean, p.Shape.ToArray(), p.Device);
            if (p.Grad is null || p.Grad.IsDisposed) p.Grad = values.DetachFromScope();
            else
            {
                p.Grad.CopyFrom(values);
                values.Dispose();
            }
        }
    }

    public void Reset()
    {
        Array.Clear(_ready);
        _readyCount = 0;
        Pending = null;
        Stale = false;
    }

    private void Pack()
    {
        int offset = 0;
        foreach (var p in Parameters)
        {
            int size = (int)p.Size;
            if (p.Grad is null || p.Grad.IsDisposed) Array.Clear(Flat, offset, size);
            else p.Grad.ToArray().CopyTo(Flat, offset);
            offset += size;
        }
    }
}
