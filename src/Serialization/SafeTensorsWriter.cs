using DeepNet.Tensors;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DeepNet.Serialization;

/// <summary>
/// Writes arrays of any dtype (each as its safetensors dtype, bit for bit) as a safetensors file that PyTorch's <c>safetensors</c> loads by name:
/// 8-byte little-endian header length, JSON header padded with spaces to a multiple of 8 (so the
/// data is aligned), then each array's little-endian bytes in the order given.
/// </summary>
public static class SafeTensorsWriter
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // Keep names readable in the header; the output is still valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>
    /// Writes <paramref name="arrays"/> (unique names, <c>Data.Length</c> = product of <c>Shape</c>)
    /// and optional <paramref name="metadata"/> to <paramref name="path"/> atomically
    /// (temp file in the same directory, flushed, then renamed over the target).
    /// </summary>
    public static void Write(string path, IEnumerable<NamedArray> arrays, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        List<NamedArray> list = Validate(arrays, metadata);
        byte[] header = BuildHeader(list, metadata);
        AtomicFile.Write(path, stream => WriteTo(stream, header, list));
    }

    /// <summary>Returns the bytes <see cref="Write"/> would put in a file.</summary>
    public static byte[] Serialize(IEnumerable<NamedArray> arrays, IReadOnlyDictionary<string, string>? metadata = null)
    {
        List<NamedArray> list = Validate(arrays, metadata);
        byte[] header = BuildHeader(list, metadata);
        using var stream = new MemoryStream();
        WriteTo(stream, header, list);
        return stream.ToArray();
    }

    private static List<NamedArray> Validate(IEnumerable<NamedArray> arrays, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        var list = arrays.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (NamedArray array in list)
        {
            ArgumentNullException.ThrowIfNull(array, nameof(arrays));
            if (array.Name is null || array.Shape is null || array.Values is null)
            {
                throw new ArgumentException("safetensors write: an array has a null Name, Shape or Data", nameof(arrays));
            }

            if (array.Name == SafeTensorsHeader.MetadataKey || !names.Add(array.Name))
            {
                throw new ArgumentException($"safetensors write: tensor name '{array.Name}' is reserved or appears twice", nameof(arrays));
            }

            if (array.Shape.Any(d => d < 0) || array.ElementCount != array.Values.Length)
            {
                throw new ArgumentException(
                    $"safetensors write: tensor '{array.Name}' has shape {array.ShapeText} but {array.Values.Length} values", nameof(arrays));
            }
        }

        if (metadata is not null && metadata.Any(kv => kv.Key is null || kv.Value is null))
        {
            throw new ArgumentException("safetensors write: metadata keys and values must not be null", nameof(metadata));
        }

        return list;
    }

    private static byte[] BuildHeader(List<NamedArray> arrays, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (KeyValuePair<string, string> item in metadata)
                {
                    json.WriteString(item.Key, item.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (NamedArray array in arrays)
            {
                long end = offset + (long)array.Values.Length * array.DType.Size();
                json.WriteStartObject(array.Name);
                json.WriteString("dtype", SafeTensorsDTypeInfo.Name(array.DType));
                json.WriteStartArray("shape");
                foreach (int dim in array.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        // Pad with spaces (valid JSON whitespace) so the data region starts 8-byte aligned.
        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void WriteTo(Stream stream, byte[] header, List<NamedArray> arrays)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (NamedArray array in arrays)
        {
            SafeTensorsDTypeInfo.Encode(stream, array.Bytes, array.DType);
        }
    }
}
