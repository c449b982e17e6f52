using System.Buffers;

namespace DeepNet.Serving;

/// <summary>Reads a request body up to a byte limit, growing the buffer only with what arrived (never pre-sized from Content-Length).</summary>
public static class BoundedBody
{
    /// <summary>The body bytes, or null when they exceed <paramref name="limit"/> (checked on Content-Length and while reading).</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, long limit, CancellationToken cancel)
    {
        if (request.ContentLength > limit) return null;
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            int read = await request.Body.ReadAsync(memory, cancel);
            if (read == 0) return buffer.WrittenMemory;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
    }
}
