using System.Buffers;

namespace DeepNet.Serving;

/// <summary>
/// Reads a request body up to a limit into a buffer that grows with the bytes that arrived (never
/// sized from the client's Content-Length: 200 uploads that only claim 4 MiB must not reserve 800 MiB).
/// </summary>
public static class RequestBody
{
    /// <summary>First buffer size; it doubles as bytes arrive.</summary>
    public const int InitialBufferBytes = 16 * 1024;

    /// <summary>The body bytes, or null when they exceed <paramref name="limit"/> (checked on <paramref name="contentLength"/> and while reading).</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(Stream body, long? contentLength, long limit, CancellationToken cancel)
    {
        if (contentLength > limit) return null;
        var buffer = new ArrayBufferWriter<byte>(InitialBufferBytes);
        while (true)
        {
            var memory = buffer.GetMemory(InitialBufferBytes);
            int read = await body.ReadAsync(memory, cancel).ConfigureAwait(false);
            if (read == 0) return buffer.WrittenMemory;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
    }
}
