using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGen;

/// <summary>
/// Tensors and metadata for one fixture file, written by a tiny safetensors writer that is
/// deliberately independent of DeepNet's (its own JSON text, Python safetensors' layout:
/// metadata first, tensors sorted by element size then name, header space-padded to 8 bytes),
/// so the DeepNet reader is checked against a second implementation.
/// </summary>
internal sealed class FixtureFile
{
    private readonly List<(string Name, string DType, long[] Shape, byte[] Bytes)> _tensors = [];
    private readonly SortedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public int Count => _tensors.Count;

    /// <summary>Stores <paramref name="tensor"/> in its own dtype (F32, F64, F16, BF16, I64, I32, ...).</summary>
    public void Add(string name, Tensor tensor)
    {
        if (_tensors.Any(t => t.Name == name))
        {
            throw new ArgumentException($"fixture tensor '{name}' added twice");
        }

        using Tensor dense = tensor.detach().cpu().contiguous();
        _tensors.Add((name, DTypeName(dense.dtype), dense.shape, dense.bytes.ToArray()));
    }

    /// <summary>Stores <paramref name="tensor"/> rounded to float32 (references are computed in float64).</summary>
    public void AddFloat32(string name, Tensor tensor)
    {
        using Tensor single = tensor.to_type(ScalarType.Float32);
        Add(name, single);
    }

    /// <summary>Sets a metadata string (stored in <c>__metadata__</c>).</summary>
    public void Meta(string key, string value) => _metadata[key] = value;

    /// <summary>Sets a metadata number, written round-trippably in invariant culture.</summary>
    public void Meta(string key, double value) => _metadata[key] = value.ToString("R", CultureInfo.InvariantCulture);

    public void Save(string path)
    {
        var ordered = _tensors.OrderByDescending(t => ElementSize(t.DType)).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var json = new StringBuilder("{");
        if (_metadata.Count > 0)
        {
            json.Append("\"__metadata__\":{")
                .AppendJoin(',', _metadata.Select(kv => $"{Quote(kv.Key)}:{Quote(kv.Value)}"))
                .Append("},");
        }

        long offset = 0;
        foreach (var (name, dtype, shape, bytes) in ordered)
        {
            json.Append($"{Quote(name)}:{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{offset + bytes.Length}]}},");
            offset += bytes.Length;
        }

        if (json[^1] == ',')
        {
            json.Length--;
        }

        json.Append('}');
        while (Encoding.UTF8.GetByteCount(json.ToString()) % 8 != 0)
        {
            json.Append(' ');
        }

        byte[] header = Encoding.UTF8.GetBytes(json.ToString());
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in ordered)
        {
            stream.Write(tensor.Bytes);
        }
    }

    private static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"fixture: dtype {type} has no safetensors name here"),
    };

    private static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        _ => 1,
    };

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }
}
