using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using Xunit;

namespace DeepNet.Tests.Kernels.Cpu;

/// <summary>
/// CpuBufferPool: size classes, reuse, the byte cap, idle trimming, concurrent use, and CPU
/// buffers of every element type on top of it (each test owns its pool, so counts are exact).
/// </summary>
public class CpuBufferPoolTests
{
    private const long Mb = 1 << 20;

    [Fact]
    public void ClassOf_CoversEverySizeWithBoundedWaste()
    {
        int previousClass = -1, previousUnits = 0;
        for (long units = 1; units < 1 << 22; units += 1 + units / 37)
        {
            int c = CpuBufferPool.ClassOf(units, out int classUnits);
            Assert.True(classUnits >= units, $"{units} units got class size {classUnits}");
            Assert.True(c >= previousClass, $"class index fell from {previousClass} to {c} at {units} units");
            if (c == previousClass) Assert.Equal(previousUnits, classUnits);
            // Above 16 KB the classes are eighths of an octave: at most 12.5% over.
            if (units > 4096) Assert.True(classUnits <= units * 1.125 + 1, $"{units} units rounded up to {classUnits}");
            Assert.Equal(c, CpuBufferPool.ClassOf(classUnits, out int again));
            Assert.Equal(classUnits, again);
            (previousClass, previousUnits) = (c, classUnits);
        }
    }

    [Fact]
    public void Rent_ReusesAReturnedArrayOfTheSameClass()
    {
        using var pool = new CpuBufferPool(64 * Mb);
        var first = pool.Rent(10_000, zeroed: false, out _);
        pool.Return(first);
        Assert.Equal(4L * first.Length, pool.CachedBytes);
        var second = pool.Rent(9_900, zeroed: false, out bool isZero);
        Assert.Same(first, second);
        Assert.False(isZero);
        Assert.Equal(0, pool.CachedBytes);
        Assert.Equal((1L, 1L, 0L, 0L), pool.Counters);
    }

    [Fact]
    public void Return_PastTheCap_DropsTheArray()
    {
        using var pool = new CpuBufferPool(3 * Mb);
        var arrays = Enumerable.Range(0, 5).Select(i => pool.Rent(Mb / 4, zeroed: false, out _)).ToArray();   // 1 MB each
        foreach (var a in arrays) pool.Return(a);
        Assert.Equal(3 * Mb, pool.CachedBytes);
        Assert.Equal(2, pool.Counters.Dropped);
        // Only the cached three come back.
        var again = Enumerable.Range(0, 5).Select(i => pool.Rent(Mb / 4, zeroed: false, out _)).ToArray();
        Assert.Equal(3, again.Count(a => arrays.Contains(a)));
    }

    [Fact]
    public void ZeroLimit_CachesNothing()
    {
        using var pool = new CpuBufferPool(0);
        var a = pool.Rent(100, zeroed: false, out _);
        pool.Return(a);
        Assert.Equal(0, pool.CachedBytes);
        Assert.NotSame(a, pool.Rent(100, zeroed: false, out _));
    }

    [Fact]
    public void Trim_FreesEveryCachedArray()
    {
        using var pool = new CpuBufferPool(64 * Mb);
        var arrays = Enumerable.Range(1, 20).Select(i => pool.Rent(i * 1000, zeroed: false, out _)).ToList();
        long bytes = arrays.Sum(a => 4L * a.Length);
        foreach (var a in arrays) pool.Return(a);
        arrays.Clear();
        var weak = CacheOne(pool);
        bytes += 4L * 327_680;
        Assert.Equal(bytes, pool.CachedBytes);
        Assert.Equal(bytes, pool.Trim());
        Assert.Equal(0, pool.CachedBytes);
        Assert.Equal(bytes, pool.Counters.TrimmedBytes);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(weak.IsAlive, "a trimmed array is still referenced by the pool");
    }

    // Out of line, so no local of the caller keeps the array alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference CacheOne(CpuBufferPool pool)
    {
        var a = pool.Rent(327_680, zeroed: false, out _);
        Assert.Equal(327_680, a.Length);
        pool.Return(a);
        return new WeakReference(a);
    }

    [Fact]
    public void TrimIfIdle_TrimsOnlyAfterTheIdleTime()
    {
        using var pool = new CpuBufferPool(64 * Mb, idleTrimMilliseconds: 60_000);
        pool.Return(pool.Rent(5000, zeroed: false, out _));
        long now = Environment.TickCount64;
        Assert.Equal(0, pool.TrimIfIdle(now));
        Assert.True(pool.CachedBytes > 0);
        Assert.Equal(pool.CachedBytes, pool.TrimIfIdle(now + 60_001));
        Assert.Equal(0, pool.CachedBytes);
    }

    [Fact]
    public void IdleTimer_EmptiesTheCache()
    {
        using var pool = new CpuBufferPool(64 * Mb, idleTrimMilliseconds: 100);
        pool.Return(pool.Rent(5000, zeroed: false, out _));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (pool.CachedBytes > 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Equal(0, pool.CachedBytes);
    }

    [Fact]
    public void ConcurrentRentAndReturn_KeepTheCountsConsistent()
    {
        using var pool = new CpuBufferPool(8 * Mb);
        const int Threads = 8, Rounds = 2000;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var random = new Random(t);
            for (int r = 0; r < Rounds; r++)
            {
                int units = 2 + random.Next(20_000);
                var a = pool.Rent(units, zeroed: false, out _);
                // Each array is owned by one renter at a time: a stamp written here must survive until return.
                a[0] = t * Rounds + r;
                a[units - 1] = t;
                Thread.SpinWait(10);
                if (a[0] != t * Rounds + r || a[units - 1] != t) errors.Add($"array shared between renters (thread {t}, round {r})");
                pool.Return(a);
            }
        });
        Assert.Empty(errors);
        var (hits, misses, _, _) = pool.Counters;
        Assert.Equal(Threads * Rounds, hits + misses);
        Assert.True(hits > 0);
        Assert.InRange(pool.CachedBytes, 0, 8 * Mb);
        long trimmed = pool.Trim();
        Assert.Equal(0, pool.CachedBytes);
        Assert.True(trimmed > 0);
    }

    [Theory]
    [InlineData(ElementType.Float32)]
    [InlineData(ElementType.Float64)]
    [InlineData(ElementType.Int64)]
    [InlineData(ElementType.Int32)]
    [InlineData(ElementType.Float16)]
    [InlineData(ElementType.BFloat16)]
    [InlineData(ElementType.Int8)]
    [InlineData(ElementType.UInt8)]
    [InlineData(ElementType.Bool)]
    public void ZeroedBuffer_IsZeroEvenWhenItReusesADirtyArray(ElementType type)
    {
        using var pool = new CpuBufferPool(64 * Mb);
        const int Length = 1001;
        var dirty = new CpuBuffer(CpuBackend.Instance, pool, Length, type, zeroed: false);
        dirty.Bytes.Fill(0xA5);
        dirty.Dispose();
        using var buffer = new CpuBuffer(CpuBackend.Instance, pool, Length, type, zeroed: true);
        Assert.Equal(1, pool.Counters.Hits);
        Assert.Equal(Length * type.Size(), buffer.Bytes.Length);
        Assert.True(buffer.Bytes.IndexOfAnyExcept((byte)0) < 0, $"a zeroed {type} buffer holds nonzero bytes");
    }

    [Fact]
    public void TypedBuffers_ShareClassesByByteSize()
    {
        using var pool = new CpuBufferPool(64 * Mb);
        var doubles = new CpuBuffer(CpuBackend.Instance, pool, 500, ElementType.Float64, zeroed: false);
        doubles.AsSpan<double>().Fill(Math.PI);
        Assert.Equal(Math.PI, doubles.AsSpan<double>()[499]);
        doubles.Dispose();
        // 500 doubles are 1000 floats: a float32 buffer of that size takes the same array.
        using var floats = new CpuBuffer(CpuBackend.Instance, pool, 1000, ElementType.Float32, zeroed: false);
        Assert.Equal(1, pool.Counters.Hits);
        Assert.Equal(1000, floats.Span.Length);
        Assert.Throws<InvalidOperationException>(() => new CpuBuffer(CpuBackend.Instance, pool, 4, ElementType.Int64, zeroed: true).Data);
    }

    [Fact]
    public void Backend_AllocationsGoThroughTheSharedPool()
    {
        var pool = CpuBackend.Instance.Pool;
        Assert.Same(CpuBufferPool.Shared, pool);
        long before = pool.Counters.Hits + pool.Counters.Misses;
        using var b = CpuBackend.Instance.Allocate(777);
        Assert.True(pool.Counters.Hits + pool.Counters.Misses > before);
        Assert.True(((CpuBuffer)b).Span.IndexOfAnyExcept(0f) < 0);
    }
}
