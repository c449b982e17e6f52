using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>Body buffers grow with what arrived: a Content-Length claim reserves nothing.</summary>
public sealed class BodyBufferTests
{
    [Fact]
    public async Task ReadAsync_ClaimedLengthAllocatesNothingUpFront()
    {
        using var body = new MemoryStream("{\"instances\": [[1, 2, 3, 4]]}"u8.ToArray());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var read = await RequestBody.ReadAsync(body, contentLength: 4 << 20, limit: 4 << 20, CancellationToken.None);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "the buffer was sized from Content-Length");
        Assert.Equal(29, read!.Value.Length);
    }
}
