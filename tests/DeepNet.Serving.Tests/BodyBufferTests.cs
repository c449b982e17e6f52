using System.Net.Sockets;
using System.Text;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>Body buffers grow with what arrived: a Content-Length claim reserves nothing (alone in its collection: GC.GetTotalAllocatedBytes counts the whole process).</summary>
[Collection(nameof(BodyBufferTests))]
public sealed class BodyBufferTests(TestModels models) : IClassFixture<TestModels>
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

    [Fact]
    public async Task SlowUploadsThatClaim4MiB_DoNotReserve4MiBEach()
    {
        await using var factory = new KestrelErrorTests.KestrelFactory(models.RegressorPath);
        var address = await factory.StartAsync();
        var sockets = new List<TcpClient>();
        try
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 16; i++)
            {
                var socket = new TcpClient();
                sockets.Add(socket);
                await socket.ConnectAsync(address.Host, address.Port);
                await socket.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
                    "POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4194304\r\n\r\n{\"instances\": [[1, "));
            }
            await Task.Delay(500);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            Assert.True(allocated < 16 << 20, $"16 stalled uploads claiming 4 MiB allocated {allocated >> 20} MiB");
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }
}
