using DeepNet.Kernels;
using DeepNet.Kernels.Gpu;
using Xunit;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>The caching allocator: reuse keeps memory flat, stats are honest, failures are clear.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class GpuMemoryTests
{
    private static readonly long[] Sizes = [1, 7, 1000, 65_536, 600_000];

    [Fact]
    public void AllocateDispose_ThousandTimes_KeepsAllocatedBytesFlat_OnTheEmulator() => AssertFlat(GpuBackend.Emulator);

    [CudaFact]
    public void AllocateDispose_ThousandTimes_KeepsAllocatedBytesFlat_OnCuda() => AssertFlat(GpuBackend.Cuda(0));

    [Fact]
    public void BucketBytes_RoundsToPowersOfTwo_ThenToTwoMiBGranules()
    {
        Assert.Equal(512, GpuMemoryPool.BucketBytes(4));
        Assert.Equal(1024, GpuMemoryPool.BucketBytes(513));
        Assert.Equal(2L << 20, GpuMemoryPool.BucketBytes((2L << 20) - 1));
        Assert.Equal(4L << 20, GpuMemoryPool.BucketBytes((2L << 20) + 1));
        Assert.Equal(6L << 20, GpuMemoryPool.BucketBytes((4L << 20) + 1));
    }

    [Fact]
    public void Allocate_TooLarge_ThrowsOutOfMemoryNamingTheRequest()
    {
        var backend = GpuBackend.Emulator;
        long floats = 1L << 40;   // 4 TiB
        var e = Assert.Throws<GpuOutOfMemoryException>(() => backend.Allocate(floats, zeroed: false));
        Assert.Equal(floats * sizeof(float), e.RequestedBytes);
        Assert.Contains($"{floats * sizeof(float)} bytes", e.Message);
        Assert.Contains("allocated", e.Message);
    }

    [Fact]
    public void UsingADisposedBuffer_ThrowsObjectDisposed()
    {
        var backend = GpuBackend.Emulator;
        var buffer = backend.Allocate(4);
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => backend.Fill(buffer, StridedLayout.Contiguous([4]), 1f));
    }

    [Fact]
    public void Cuda_WithoutSuchDevice_ThrowsAClearError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => GpuBackend.Cuda(GpuBackend.CudaDeviceCount));
        Assert.Contains("cuda:", e.Message);
    }

    private static void AssertFlat(GpuBackend backend)
    {
        RoundTrip(backend);   // warm-up fills the free lists
        var before = backend.MemoryStats();
        for (int i = 0; i < 1000; i++) RoundTrip(backend);
        var after = backend.MemoryStats();
        Assert.Equal(before.AllocatedBytes, after.AllocatedBytes);
        Assert.Equal(before.ReservedBytes, after.ReservedBytes);
        Assert.True(after.PeakAllocatedBytes >= Sizes.Sum(s => GpuMemoryPool.BucketBytes(s * sizeof(float))));
    }

    private static void RoundTrip(GpuBackend backend)
    {
        var buffers = Sizes.Select(s => backend.Allocate(s, zeroed: false)).ToList();
        foreach (var b in buffers) b.Dispose();
    }
}
