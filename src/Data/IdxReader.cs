using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepNet.Data;

/// <summary>
/// Reads IDX files (yann.lecun.com/exdb/mnist): a big-endian header <c>00 00 TYPE NDIMS</c>,
/// NDIMS big-endian int32 sizes, then the payload. Only the unsigned-byte type (0x08), the one
/// MNIST uses, is accepted. Raw and gzip-compressed (<c>.gz</c>) files are both read; gzip is
/// recognised by its magic bytes, not the file name.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;
    private const int MaxDimensions = 4;

    /// <summary>Reads the whole file; throws <see cref="InvalidDataException"/> naming the file and the problem.</summary>
    public static IdxArray Read(string path)
    {
        using var stream = OpenMaybeGzip(path);
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(stream, magic, path, "the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException(
                $"{path}: bad IDX magic number 0x{Convert.ToHexString(magic)}; expected 0x0000TTDD (is this an IDX file?).");
        if (magic[2] != UnsignedByteType)
            throw new InvalidDataException(
                $"{path}: IDX element type 0x{magic[2]:X2} is not supported; only unsigned byte (0x08) is.");
        int rank = magic[3];
        if (rank is 0 or > MaxDimensions)
            throw new InvalidDataException($"{path}: IDX header declares {rank} dimensions; expected 1 to {MaxDimensions}.");

        var dimensions = ReadDimensions(stream, path, rank);
        var data = new byte[Volume(dimensions, path)];
        ReadExactly(stream, data, path, $"{data.Length} payload bytes for dimensions [{string.Join(", ", dimensions)}]");
        if (stream.ReadByte() >= 0)
            throw new InvalidDataException(
                $"{path}: unexpected bytes after the payload of dimensions [{string.Join(", ", dimensions)}].");
        return new IdxArray(dimensions, data);
    }

    private static int[] ReadDimensions(Stream stream, string path, int rank)
    {
        Span<byte> header = stackalloc byte[4 * MaxDimensions];
        header = header[..(4 * rank)];
        ReadExactly(stream, header, path, $"{rank} dimension sizes");
        var dimensions = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(header[(4 * i)..]);
            if (dimensions[i] < 0)
                throw new InvalidDataException($"{path}: dimension {i} has negative size {dimensions[i]}.");
        }
        return dimensions;
    }

    private static int Volume(int[] dimensions, string path)
    {
        long volume = 1;
        foreach (var d in dimensions)
        {
            volume *= d;
            if (volume > Array.MaxLength)
                throw new InvalidDataException(
                    $"{path}: dimensions [{string.Join(", ", dimensions)}] are too large for one array.");
        }
        return (int)volume;
    }

    private static Stream OpenMaybeGzip(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        var n = file.Read(head);
        file.Position = 0;
        // 1F 8B opens every gzip stream; IDX files always start with 00 00.
        return n == 2 && head[0] == 0x1F && head[1] == 0x8B
            ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16)
            : file;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        var total = 0;
        try
        {
            while (total < buffer.Length)
            {
                var n = stream.Read(buffer[total..]);
                if (n == 0)
                    break;
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: corrupt gzip data while reading {what} ({e.Message}).", e);
        }
        if (total < buffer.Length)
            throw new InvalidDataException($"{path}: file is truncated: expected {what}, got only {total} of {buffer.Length} bytes.");
    }
}
