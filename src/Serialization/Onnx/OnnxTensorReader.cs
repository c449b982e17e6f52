using System.Buffers.Binary;
using DeepNet.Serialization.Onnx.Proto;
using Google.Protobuf;

namespace DeepNet.Serialization.Onnx;

/// <summary>
/// Decodes a TensorProto: raw_data (little-endian), the typed fields (float_data, int32_data,
/// int64_data, double_data, uint64_data) or an external-data file next to the model. The element
/// count must equal the product of the dims; every problem names the file and the tensor.
/// </summary>
internal static class OnnxTensorReader
{
    public static OnnxTensor Read(TensorProto proto, string file, string? modelDirectory)
    {
        string name = proto.Name;
        string where = $"onnx: '{file}' tensor '{name}'";
        var dims = proto.Dims.ToArray();
        if (dims.Any(d => d < 0)) throw new OnnxFormatException($"{where} has a negative dim in [{string.Join(", ", dims)}]");
        long count;
        try { count = dims.Aggregate(1L, (a, d) => checked(a * d)); }
        catch (OverflowException) { throw new OnnxFormatException($"{where} dims [{string.Join(", ", dims)}] overflow an element count"); }
        if (proto.Segment is not null) throw new OnnxFormatException($"{where} is a segment of a tensor; segmented tensors are not supported");
        var type = (OnnxElementType)proto.DataType;
        int size = ElementSize(type) ?? throw new OnnxFormatException(
            $"{where} has element type {(TensorProto.Types.DataType)proto.DataType} ({proto.DataType}); supported: " +
            "float, float16, bfloat16, double, int8/16/32/64, uint8/16/32, bool");
        if (count > Array.MaxLength) throw new OnnxFormatException($"{where} has {count} elements, more than an array holds");

        ReadOnlySpan<byte> raw = default;
        byte[]? external = null;
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            external = ReadExternal(proto, where, modelDirectory, count * size);
            raw = external;
        }
        else if (!proto.RawData.IsEmpty)
        {
            raw = proto.RawData.Span;
        }

        bool fromRaw = external is not null || !proto.RawData.IsEmpty;
        if (fromRaw && raw.Length != count * size)
            throw new OnnxFormatException($"{where} {type} [{string.Join(", ", dims)}] needs {count * size} bytes of data, the file holds {raw.Length}");
        int n = (int)count;
        return type switch
        {
            OnnxElementType.Float => Make(fromRaw ? Floats32(raw, n) : Typed(proto.FloatData, n, "float_data", where)),
            OnnxElementType.Float16 => Make(fromRaw ? Halves(raw, n, bf16: false) : HalvesFromInt32(Typed(proto.Int32Data, n, "int32_data", where), false)),
            OnnxElementType.BFloat16 => Make(fromRaw ? Halves(raw, n, bf16: true) : HalvesFromInt32(Typed(proto.Int32Data, n, "int32_data", where), true)),
            OnnxElementType.Double => new OnnxTensor(name, type, dims, null, fromRaw ? Doubles(raw, n) : Typed(proto.DoubleData, n, "double_data", where), null),
            OnnxElementType.Int64 => MakeInt(fromRaw ? Integers(raw, n, type) : Typed(proto.Int64Data, n, "int64_data", where)),
            OnnxElementType.UInt32 => MakeInt(fromRaw ? Integers(raw, n, type) : Typed(proto.Uint64Data, n, "uint64_data", where).Select(v => (long)v).ToArray()),
            _ => MakeInt(fromRaw ? Integers(raw, n, type) : Typed(proto.Int32Data, n, "int32_data", where).Select(v => (long)v).ToArray()),
        };

        OnnxTensor Make(float[] values) => new(name, type, dims, values, null, null);
        OnnxTensor MakeInt(long[] values) => new(name, type, dims, null, null, values);
    }

    private static int? ElementSize(OnnxElementType type) => type switch
    {
        OnnxElementType.Float or OnnxElementType.Int32 or OnnxElementType.UInt32 => 4,
        OnnxElementType.Double or OnnxElementType.Int64 => 8,
        OnnxElementType.Float16 or OnnxElementType.BFloat16 or OnnxElementType.Int16 or OnnxElementType.UInt16 => 2,
        OnnxElementType.Int8 or OnnxElementType.UInt8 or OnnxElementType.Bool => 1,
        _ => null,
    };

    private static T[] Typed<T>(Google.Protobuf.Collections.RepeatedField<T> field, int count, string fieldName, string where)
    {
        if (field.Count != count)
            throw new OnnxFormatException($"{where} needs {count} values, its {fieldName} holds {field.Count}");
        return field.ToArray();
    }

    private static byte[] ReadExternal(TensorProto proto, string where, string? modelDirectory, long expectedBytes)
    {
        var entries = proto.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        if (!entries.TryGetValue("location", out string? location) || location.Length == 0)
            throw new OnnxFormatException($"{where} has external data without a 'location'");
        if (modelDirectory is null)
            throw new OnnxFormatException($"{where} has external data '{location}' but the model was read from memory (load it from its file)");
        // As ONNX Runtime: the data lives beside the model, never at an absolute path or above it.
        if (Path.IsPathRooted(location) || location.Replace('\\', '/').Split('/').Contains(".."))
            throw new OnnxFormatException($"{where} external data location '{location}' must be a relative path inside the model's folder");
        long offset = ParseLength(entries, "offset", where) ?? 0;
        long? length = ParseLength(entries, "length", where);
        string path = Path.Combine(modelDirectory, location);
        if (!File.Exists(path)) throw new OnnxFormatException($"{where} external data file '{path}' does not exist");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long take = length ?? expectedBytes;
        if (take != expectedBytes)
            throw new OnnxFormatException($"{where} external data length {take} does not match the {expectedBytes} bytes its type and dims need");
        if (offset > stream.Length || take > stream.Length - offset)
            throw new OnnxFormatException($"{where} external data [{offset}, {offset + take}) runs past the end of '{path}' ({stream.Length} bytes)");
        var bytes = new byte[take];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static long? ParseLength(Dictionary<string, string> entries, string key, string where)
    {
        if (!entries.TryGetValue(key, out string? text)) return null;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value))
            throw new OnnxFormatException($"{where} external data '{key}' is '{text}', not a non-negative integer");
        return value;
    }

    private static float[] Floats32(ReadOnlySpan<byte> raw, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
        return values;
    }

    private static double[] Doubles(ReadOnlySpan<byte> raw, int n)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
        return values;
    }

    private static float[] Halves(ReadOnlySpan<byte> raw, int n, bool bf16)
    {
        var bits = new int[n];
        for (int i = 0; i < n; i++) bits[i] = BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]);
        return HalvesFromInt32(bits, bf16);
    }

    // float16/bfloat16 in int32_data hold the 16 bits in the low half of each value (the spec's rule).
    private static float[] HalvesFromInt32(int[] bits, bool bf16) => bits.Select(b => bf16
        ? BitConverter.Int32BitsToSingle((b & 0xFFFF) << 16)
        : (float)BitConverter.UInt16BitsToHalf((ushort)b)).ToArray();

    private static long[] Integers(ReadOnlySpan<byte> raw, int n, OnnxElementType type)
    {
        var values = new long[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = type switch
            {
                OnnxElementType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]),
                OnnxElementType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]),
                OnnxElementType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(raw[(4 * i)..]),
                OnnxElementType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]),
                OnnxElementType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]),
                OnnxElementType.Int8 => (sbyte)raw[i],
                _ => raw[i],
            };
        }

        return values;
    }
}
