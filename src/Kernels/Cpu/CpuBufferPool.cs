using System.Numerics;

namespace DeepNet.Kernels.Cpu;

// The CPU backend's buffer cache. Every CpuBuffer, whatever its element type, is backed by a
// float[] of ceil(bytes / 4) "units" (the typed views reinterpret it), so one cache serves all
// dtypes. Sizes are rounded up to a class: powers of two up to 16 KB, then 8 classes per octave
// (waste ≤ 12.5% where the bytes are). Freed arrays go to their class's free list while the
// cache holds less than CacheLimitBytes; past that they are dropped to the GC, and a cache left
// idle for IdleTrimMilliseconds is emptied, so RSS follows the live tensors (ArrayPool.Shared
// keeps up to 8 arrays per size per core forever and rounds to powers of two).
// Oracle: CpuBufferPoolTests.

/// <summary>
/// Size-class cache of the arrays behind CPU buffers: reuses freed arrays, bounded in bytes,
/// emptied when idle. Thread-safe; <see cref="Shared"/> serves <see cref="CpuBackend"/>.
/// </summary>
public sealed class CpuBufferPool : IDisposable
{
    private const int MinUnits = 16;
    private const int PowerOfTwoUpTo = 12;          // classes are powers of two up to 2^12 units (16 KB)
    private const int StepsPerOctave = 8;
    private const int FirstFineClass = PowerOfTwoUpTo - 3;
    private const int Classes = FirstFineClass + (31 - PowerOfTwoUpTo) * StepsPerOctave;

    private readonly Bucket?[] _buckets = new Bucket?[Classes];
    private readonly Timer? _trimTimer;
    private long _cachedBytes, _hits, _misses, _dropped, _trimmedBytes;
    private long _lastUse = Environment.TickCount64;

    /// <summary>The cache of <see cref="CpuBackend.Instance"/>: 256 MB, or DEEPNET_CPU_CACHE_MB; idle trim after 3 s.</summary>
    public static CpuBufferPool Shared { get; } = new(DefaultLimit(), idleTrimMilliseconds: 3000);

    /// <param name="cacheLimitBytes">Most bytes kept in free lists (0: cache nothing).</param>
    /// <param name="idleTrimMilliseconds">Empty the cache after this long without a rent or return (≤ 0: never).</param>
    public CpuBufferPool(long cacheLimitBytes, int idleTrimMilliseconds = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheLimitBytes);
        CacheLimitBytes = cacheLimitBytes;
        IdleTrimMilliseconds = idleTrimMilliseconds;
        if (idleTrimMilliseconds > 0)
        {
            int period = Math.Max(idleTrimMilliseconds / 3, 50);
            _trimTimer = new Timer(static state => ((CpuBufferPool)state!).TrimIfIdle(Environment.TickCount64), this, period, period);
        }
    }

    /// <summary>Most bytes kept in free lists; lowering it does not evict (call <see cref="Trim"/>).</summary>
    public long CacheLimitBytes { get; set; }

    public int IdleTrimMilliseconds { get; }

    /// <summary>Bytes now held in free lists (not in use by any buffer).</summary>
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    /// <summary>Counters since creation: rents served from the cache, rents that allocated, returns dropped, bytes trimmed.</summary>
    public (long Hits, long Misses, long Dropped, long TrimmedBytes) Counters =>
        (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _dropped), Interlocked.Read(ref _trimmedBytes));

    /// <summary>
    /// An array of at least <paramref name="units"/> floats (4-byte units); <paramref name="isZero"/>
    /// says whether it is known to be all zero (fresh and <paramref name="zeroed"/>).
    /// </summary>
    public float[] Rent(long units, bool zeroed, out bool isZero)
    {
        int c = ClassOf(units, out int classUnits);
        _lastUse = Environment.TickCount64;
        if (c >= 0 && _buckets[c] is { } bucket && bucket.TryPop() is { } reused)
        {
            Interlocked.Add(ref _cachedBytes, -4L * reused.Length);
            Interlocked.Increment(ref _hits);
            isZero = false;
            return reused;
        }
        Interlocked.Increment(ref _misses);
        isZero = zeroed;
        int length = c >= 0 ? classUnits : (int)units;
        return zeroed ? new float[length] : GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Hands an array from <see cref="Rent"/> back: cached while under the limit, else left to the GC.</summary>
    public void Return(float[] array)
    {
        _lastUse = Environment.TickCount64;
        int c = ClassOf(array.Length, out int classUnits);
        long bytes = 4L * array.Length;
        if (c < 0 || classUnits != array.Length || Interlocked.Add(ref _cachedBytes, bytes) > CacheLimitBytes)
        {
            if (c >= 0 && classUnits == array.Length) Interlocked.Add(ref _cachedBytes, -bytes);
            Interlocked.Increment(ref _dropped);
            return;
        }
        var bucket = _buckets[c] ?? Interlocked.CompareExchange(ref _buckets[c], new Bucket(), null) ?? _buckets[c]!;
        bucket.Push(array);
    }

    /// <summary>Drops every cached array to the GC; returns the bytes released.</summary>
    public long Trim()
    {
        long freed = 0;
        foreach (var bucket in _buckets)
            if (bucket is not null) freed += bucket.Clear();
        Interlocked.Add(ref _cachedBytes, -freed);
        Interlocked.Add(ref _trimmedBytes, freed);
        return freed;
    }

    /// <summary>Trims when nothing was rented or returned for <see cref="IdleTrimMilliseconds"/> before <paramref name="nowTicks"/> (Environment.TickCount64).</summary>
    internal long TrimIfIdle(long nowTicks) =>
        IdleTrimMilliseconds > 0 && CachedBytes > 0 && nowTicks - Volatile.Read(ref _lastUse) >= IdleTrimMilliseconds ? Trim() : 0;

    public void Dispose()
    {
        _trimTimer?.Dispose();
        Trim();
    }

    /// <summary>The class index and its size in units; −1 for sizes no class holds (kept exact, never cached).</summary>
    internal static int ClassOf(long units, out int classUnits)
    {
        if (units <= MinUnits)
        {
            classUnits = MinUnits;
            return 0;
        }
        int e = BitOperations.Log2((ulong)(units - 1)) + 1;   // 2^(e-1) < units ≤ 2^e
        if (e <= PowerOfTwoUpTo)
        {
            classUnits = 1 << e;
            return e - 4;
        }
        long step = 1L << (e - 4), floor = 1L << (e - 1);
        long k = (units - floor + step - 1) / step;             // 1..8
        long size = floor + k * step;
        if (size > Array.MaxLength)
        {
            classUnits = 0;
            return -1;
        }
        classUnits = (int)size;
        return FirstFineClass + (e - PowerOfTwoUpTo - 1) * StepsPerOctave + (int)k - 1;
    }

    private static long DefaultLimit() =>
        long.TryParse(Environment.GetEnvironmentVariable("DEEPNET_CPU_CACHE_MB"), out long mb) && mb >= 0 ? mb << 20 : 256L << 20;

    /// <summary>One size class's free list: a stack under a lock (uncontended in practice: tensors are made on the caller's thread).</summary>
    private sealed class Bucket
    {
        private readonly Lock _gate = new();
        private float[][] _items = new float[4][];
        private int _count;

        public float[]? TryPop()
        {
            lock (_gate)
            {
                if (_count == 0) return null;
                var item = _items[--_count];
                _items[_count] = null!;
                return item;
            }
        }

        public void Push(float[] array)
        {
            lock (_gate)
            {
                if (_count == _items.Length) Array.Resize(ref _items, 2 * _count);
                _items[_count++] = array;
            }
        }

        public long Clear()
        {
            lock (_gate)
            {
                long bytes = 0;
                for (int i = 0; i < _count; i++) bytes += 4L * _items[i].Length;
                Array.Clear(_items, 0, _count);
                _count = 0;
                return bytes;
            }
        }
    }
}
