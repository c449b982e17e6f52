namespace DeepNet.Tensors;

/// <summary>
/// Bytes held by live tensor storages in this process, on every device together (a storage is
/// shared by a tensor and its views, so views count once), with the peak since <see cref="ResetPeak"/>.
/// A measuring aid (the activation-memory figures of docs/mixed-precision.md); the device pools'
/// own statistics (<c>Device.MemoryStats</c> on a GPU) also count what they cache.
/// </summary>
public static class TensorMemory
{
    private static long _live, _peak;

    /// <summary>Bytes of the storages alive now.</summary>
    public static long LiveBytes => Volatile.Read(ref _live);

    /// <summary>The most <see cref="LiveBytes"/> reached since the last <see cref="ResetPeak"/> (or the start).</summary>
    public static long PeakBytes => Volatile.Read(ref _peak);

    /// <summary>Starts a new peak from the bytes alive now.</summary>
    public static void ResetPeak() => Volatile.Write(ref _peak, LiveBytes);

    internal static void Allocated(long bytes)
    {
        long live = Interlocked.Add(ref _live, bytes);
        long peak = Volatile.Read(ref _peak);
        while (live > peak)
        {
            long seen = Interlocked.CompareExchange(ref _peak, live, peak);
            if (seen == peak) break;
            peak = seen;
        }
    }

    internal static void Freed(long bytes) => Interlocked.Add(ref _live, -bytes);
}
