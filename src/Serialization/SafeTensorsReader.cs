using System.Buffers.Binary;

namespace DeepNet.Serialization;

/// <summary>
/// Reads safetensors files (the format of PyTorch's and Hugging Face's <c>safetensors</c>):
/// an 8-byte little-endian header length, a UTF-8 JSON header mapping each name to
/// <c>{dtype, shape, data_offsets}</c> (plus optional <c>__metadata__</c>), then the raw data.
/// Everything is validated before anything is returned; every problem is a
/// <see cref="SafeTensorsFormatException"/> naming the key and offset at fault.
/// Every dtype is kept exactly (F64, F32, F16, BF16, I64, I32, I8, U8, BOOL: <see cref="NamedArray.DType"/>);
/// a dtype no DeepNet tensor holds (I16, U64, F8, ...) is refused naming the tensor and dtype.
/// </summary>
public static class SafeTensorsReader
{
    /// <summary>Largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Reads and validates the file at <paramref name="path"/>.</summary>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > Array.MaxLength)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: '{path}' is {stream.Length} bytes; this reader loads files up to {Array.MaxLength} bytes");
        }

        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Parse(bytes);
    }

    /// <summary>Validates and decodes a whole safetensors file held in memory.</summary>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: file is {file.Length} bytes, shorter than the 8-byte header length at offset 0");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderLength)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: header length {headerLength} at offset 0 exceeds the {MaxHeaderLength}-byte limit");
        }

        if (8 + (long)headerLength > file.Length)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: header length {headerLength} at offset 0 runs past the end of the {file.Length}-byte file");
        }

        int dataStart = 8 + (int)headerLength;
        ReadOnlySpan<byte> data = file[dataStart..];
        var header = SafeTensorsHeader.Parse(file[8..dataStart], data.Length);

        var arrays = new List<NamedArray>(header.Entries.Count);
        foreach (SafeTensorsEntry entry in header.Entries)
        {
            Array values = SafeTensorsDTypeInfo.Decode(data[(int)entry.Begin..(int)entry.End], entry.DType);
            arrays.Add(NamedArray.Create(entry.Name, entry.Shape, SafeTensorsDTypeInfo.ToDType(entry.DType), values));
        }

        return new SafeTensorsFile(arrays, header.Metadata);
    }
}
