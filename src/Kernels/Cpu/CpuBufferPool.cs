using System.Numerics;

namespace DeepNet.Kernels.Cpu;

// The CPU backend's buffer cache. Every CpuBuffer, whatever its element type, is backed by a
// float[] of ceil(bytes / 4) "units" (the typed views reinterpret it), so one cache serves all
// dtypes. Sizes are rounded up to a class: powers of two up to 16 KB, then 8 classes per octave
// (waste ≤ 12.5% where the bytes are). Freed arrays go to their class's free list while the
// cache holds less than the limit: the most bytes ever in use at once (at least MinCacheBytes),
// capped by CacheLimitBytes. A training step asks for the same sizes every time, so a cache the
// size of the live set serves every step without a new array; an array dropped to the GC instead
// costs more (measured: the MiniLM step peaks at 0.86 GB with the adaptive limit, 1.67 GB with a
// fixed 256 MB one, 1.99 GB with none: the GC keeps its freed LOH space committed). A cache
// left idle for IdleTrimMilliseconds is emptied and, when that freed much, a blocking aggressive
// GC hands the pages back to the OS (the process is idle, so the pause costs nothing).
// ArrayPool.Shared, used before, keeps arrays per size per core forever and rounds sizes to powers of two.
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
    private long _cachedBytes, _inUseBytes, _peakInUseBytes, _hits, _misses, _dropped, _trimmedBytes;
    private long _lastUse = Environment.TickCount64;

    /// <summary>A class not rented from or returned to for this long may be evicted to make room for another.</summary>
    private const long StaleMilliseconds = 200;

    /// <summary>Below this many freed bytes an idle trim leaves the pages to the GC's own pace.</summary>
    private const long CollectAfterTrimBytes = 32L << 20;

    /// <summary>
    /// The cache of <see cref="CpuBackend.Instance"/>: limit the live set's high-water mark (at least
    /// 64 MB; DEEPNET_CPU_CACHE_MB caps it), trimmed after 3 s idle.
    /// </summary>
    public static CpuBufferPool Shared { get; } = new(DefaultLimit(), minCacheBytes: 64L << 20, idleTrimMilliseconds: 3000, collectWhenIdle: true);

    /// <param name="cacheLimitBytes">Most bytes ever kept in free lists (0: cache nothing).</param>
    /// <param name="minCacheBytes">Bytes the cache may hold even when fewer were ever in use; past it the limit is the peak in use.</param>
    /// <param name="idleTrimMilliseconds">Empty the cache after this long without a rent or return (≤ 0: never).</param>
    /// <param name="collectWhenIdle">After an idle trim that freed 32 MB or more, run a blocking aggressive GC so the pages go back to the OS.</param>
    public CpuBufferPool(long cacheLimitBytes, long minCacheBytes = long.MaxValue, int idleTrimMilliseconds = 0, bool collectWhenIdle = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheLimitBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(minCacheBytes);
        CacheLimitBytes = cacheLimitBytes;
        MinCacheBytes = minCacheBytes;
        IdleTrimMilliseconds = idleTrimMilliseconds;
        _collectWhenIdle = collectWhenIdle;
        if (idleTrimMilliseconds > 0)
        {
            int period = Math.Max(idleTrimMilliseconds / 3, 50);
            _trimTimer = new Timer(static state => ((CpuBufferPool)state!).TrimIfIdle(Environment.TickCount64), this, period, period);
        }
    }

    private readonly bool _collectWhenIdle;

    /// <summary>Most bytes ever kept in free lists; lowering it does not evict (call <see cref="Trim"/>).</summary>
    public long CacheLimitBytes { get; set; }

    /// <summary>The cache may hold this much even when less was ever in use (the limit is max(this, peak in use), capped by <see cref="CacheLimitBytes"/>).</summary>
    public long MinCacheBytes { get; set; }

    /// <summary>Bytes of arrays rented and not yet returned (a buffer never disposed stays counted).</summary>
    public long InUseBytes => Interlocked.Read(ref _inUseBytes);

    /// <summary>The most bytes in use at once since creation or the last idle trim.</summary>
    public long PeakInUseBytes => Interlocked.Read(ref _peakInUseBytes);

    /// <summary>What the cache may hold now: max(<see cref="MinCacheBytes"/>, <see cref="PeakInUseBytes"/>), at most <see cref="CacheLimitBytes"/>.</summary>
    public long EffectiveLimitBytes => Math.Min(CacheLimitBytes, Math.Max(MinCacheBytes, PeakInUseBytes));

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
        int length = c >= 0 ? classUnits : (int)units;
        long inUse = Interlocked.Add(ref _inUseBytes, 4L * length);
        // A benign race: two renters may both raise the peak; it only ever grows between trims.
        if (inUse > Volatile.Read(ref _peakInUseBytes)) Volatile.Write(ref _peakInUseBytes, inUse);
        if (c >= 0 && _buckets[c] is { } bucket && bucket.TryPop(touch: true, _lastUse) is { } reused)
        {
            Interlocked.Add(ref _cachedBytes, -4L * reused.Length);
            Interlocked.Increment(ref _hits);
            isZero = false;
            return reused;
        }
        Interlocked.Increment(ref _misses);
        isZero = zeroed;
        return zeroed ? new float[length] : GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Hands an array from <see cref="Rent"/> back: cached while under the limit, else left to the GC.</summary>
    public void Return(float[] array)
    {
        _lastUse = Environment.TickCount64;
        int c = ClassOf(array.Length, out int classUnits);
        long bytes = 4L * array.Length;
        Interlocked.Add(ref _inUseBytes, -bytes);
        if (c < 0 || classUnits != array.Length)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        long limit = EffectiveLimitBytes;
        if (Interlocked.Add(ref _cachedBytes, bytes) > limit && !EvictStale(limit, c))
        {
            Interlocked.Add(ref _cachedBytes, -bytes);
            Interlocked.Increment(ref _dropped);
            return;
        }
        var bucket = _buckets[c] ?? Interlocked.CompareExchange(ref _buckets[c], new Bucket(), null) ?? _buckets[c]!;
        bucket.Push(array, _lastUse);
    }

    /// <summary>
    /// Drops arrays of classes unused for <see cref="StaleMilliseconds"/> until the cache fits the
    /// limit (a cache filled by an earlier workload's sizes must not turn every later return
    /// away); false if it still does not fit.
    /// </summary>
    private bool EvictStale(long limit, int returning)
    {
        long staleBefore = _lastUse - StaleMilliseconds;
        for (int i = 0; i < _buckets.Length; i++)
        {
            if (i == returning || _buckets[i] is not { } bucket || bucket.LastUse >= staleBefore) continue;
            while (Interlocked.Read(ref _cachedBytes) > limit && bucket.TryPop(touch: false) is { } stale)
            {
                Interlocked.Add(ref _cachedBytes, -4L * stale.Length);
                Interlocked.Increment(ref _dropped);
            }
            if (Interlocked.Read(ref _cachedBytes) <= limit) return true;
        }
        return false;
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
    internal long TrimIfIdle(long nowTicks)
    {
        if (IdleTrimMilliseconds <= 0 || CachedBytes == 0 || nowTicks - Volatile.Read(ref _lastUse) < IdleTrimMilliseconds) return 0;
        long freed = Trim();
        // The next burst of work sizes the cache afresh.
        Volatile.Write(ref _peakInUseBytes, InUseBytes);
        if (_collectWhenIdle && freed >= CollectAfterTrimBytes) GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return freed;
    }

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
        long.TryParse(Environment.GetEnvironmentVariable("DEEPNET_CPU_CACHE_MB"), out long mb) && mb >= 0 ? mb << 20 : long.MaxValue;

    /// <summary>One size class's free list: a stack under a lock (uncontended in practice: tensors are made on the caller's thread).</summary>
    private sealed class Bucket
    {
        private readonly Lock _gate = new();
        private float[][] _items = new float[4][];
        private int _count;

        /// <summary>Environment.TickCount64 of the last rent served or return taken.</summary>
        public long LastUse;

        public float[]? TryPop(bool touch, long now = 0)
        {
            lock (_gate)
            {
                if (touch) LastUse = now;
                if (_count == 0) return null;
                var item = _items[--_count];
                _items[_count] = null!;
                return item;
            }
        }

        public void Push(float[] array, long now)
        {
            lock (_gate)
            {
                LastUse = now;
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
