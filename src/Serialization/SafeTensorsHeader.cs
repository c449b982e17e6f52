using System.Text.Json;

namespace DeepNet.Serialization;

/// <summary>
/// Parses and validates a safetensors JSON header against the size of the data region that
/// follows it. Every check the format implies is made here, before any tensor is decoded.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The key that holds the optional string-to-string metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    private readonly long _dataStart;

    private SafeTensorsHeader(long dataStart)
    {
        _dataStart = dataStart;
    }

    /// <summary>Tensor entries in header order.</summary>
    public List<SafeTensorsEntry> Entries { get; } = [];

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Parses <paramref name="json"/> (the header bytes) and checks its entries tile
    /// <paramref name="dataLength"/> bytes exactly. Throws <see cref="SafeTensorsFormatException"/>.
    /// </summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength)
    {
        var header = new SafeTensorsHeader(8 + json.Length);
        using JsonDocument document = ParseJson(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: header at file offset 8 is a JSON {document.RootElement.ValueKind}, expected an object");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new SafeTensorsFormatException($"safetensors: key '{property.Name}' appears twice in the header");
            }

            if (property.Name == MetadataKey)
            {
                header.ReadMetadata(property.Value);
            }
            else
            {
                header.Entries.Add(header.ReadEntry(property.Name, property.Value, dataLength));
            }
        }

        header.CheckCoverage(dataLength);
        return header;
    }

    private static JsonDocument ParseJson(ReadOnlySpan<byte> json)
    {
        // JsonDocument checks UTF-8 only when a string is read (as InvalidOperationException),
        // so the whole header is validated here first.
        int invalidAt = FirstInvalidUtf8(json);
        if (invalidAt >= 0)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: header is not valid UTF-8 at header byte {invalidAt} (file offset {8 + invalidAt})");
        }

        try
        {
            // JsonDocument.Parse takes memory, not a span; the header is small (capped by the reader).
            return JsonDocument.Parse(json.ToArray(), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: header is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine} of that line; header starts at file offset 8): {e.Message}",
                e);
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return -1;
        }

        Span<char> chars = stackalloc char[256];
        int position = 0;
        while (true)
        {
            System.Buffers.OperationStatus status = System.Text.Unicode.Utf8.ToUtf16(
                bytes[position..], chars, out int read, out _, replaceInvalidSequences: false);
            position += read;
            if (status != System.Buffers.OperationStatus.DestinationTooSmall)
            {
                return position;
            }
        }
    }

    private void ReadMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException($"safetensors: '{MetadataKey}' is a JSON {value.ValueKind}, expected an object of strings");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsFormatException(
                    $"safetensors: '{MetadataKey}' key '{item.Name}' is a JSON {item.Value.ValueKind}, expected a string");
            }

            if (!Metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new SafeTensorsFormatException($"safetensors: '{MetadataKey}' key '{item.Name}' appears twice");
            }
        }
    }

    private SafeTensorsEntry ReadEntry(string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fail(name, $"is a JSON {value.ValueKind}, expected an object with dtype, shape and data_offsets");
        }

        string dtypeName = Field(name, value, "dtype", JsonValueKind.String).GetString()!;
        if (SafeTensorsDTypeInfo.IsUnrepresentable(dtypeName))
        {
            throw Fail(name, $"has dtype '{dtypeName}', which no DeepNet dtype holds (supported: {SafeTensorsDTypeInfo.SupportedNames}); " +
                "convert it where it was written (e.g. tensor.to(torch.int32)); it is never converted silently");
        }

        if (!SafeTensorsDTypeInfo.TryParse(dtypeName, out SafeTensorsDType dtype))
        {
            throw Fail(name, $"has unknown or unsupported dtype '{dtypeName}' (supported: {SafeTensorsDTypeInfo.SupportedNames})");
        }

        int[] shape = ReadShape(name, Field(name, value, "shape", JsonValueKind.Array));
        (long begin, long end) = ReadOffsets(name, Field(name, value, "data_offsets", JsonValueKind.Array), dataLength);

        long count = 1;
        foreach (int dim in shape)
        {
            count *= dim; // cannot overflow: each dim < 2^31 and the running product stays under Array.MaxLength
            if (count > Array.MaxLength)
            {
                throw Fail(name, $"has shape [{string.Join(", ", shape)}] with more elements than a .NET array holds");
            }
        }

        long expected = count * SafeTensorsDTypeInfo.Size(dtype);
        if (end - begin != expected)
        {
            throw Fail(name, $"has data_offsets [{begin}, {end}] (file offsets {_dataStart + begin}..{_dataStart + end}) spanning {end - begin} bytes, " +
                $"but shape [{string.Join(", ", shape)}] of {dtypeName} needs {expected} bytes");
        }

        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    private static JsonElement Field(string name, JsonElement entry, string field, JsonValueKind kind)
    {
        if (!entry.TryGetProperty(field, out JsonElement value))
        {
            throw Fail(name, $"is missing field '{field}'");
        }

        if (value.ValueKind != kind)
        {
            throw Fail(name, $"field '{field}' is a JSON {value.ValueKind}, expected {kind}");
        }

        return value;
    }

    private static int[] ReadShape(string name, JsonElement shape)
    {
        var dims = new int[shape.GetArrayLength()];
        int i = 0;
        foreach (JsonElement dim in shape.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long value))
            {
                throw Fail(name, $"shape[{i}] is {dim.GetRawText()}, expected an integer");
            }

            if (value < 0 || value > int.MaxValue)
            {
                throw Fail(name, $"shape[{i}] is {value}, expected a dimension in 0..{int.MaxValue}");
            }

            dims[i++] = (int)value;
        }

        return dims;
    }

    private (long Begin, long End) ReadOffsets(string name, JsonElement offsets, long dataLength)
    {
        if (offsets.GetArrayLength() != 2)
        {
            throw Fail(name, $"data_offsets has {offsets.GetArrayLength()} items, expected [begin, end]");
        }

        var pair = new long[2];
        for (int i = 0; i < 2; i++)
        {
            JsonElement item = offsets[i];
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out pair[i]) || pair[i] < 0)
            {
                throw Fail(name, $"data_offsets[{i}] is {item.GetRawText()}, expected a non-negative integer");
            }
        }

        if (pair[0] > pair[1])
        {
            throw Fail(name, $"has data_offsets [{pair[0]}, {pair[1]}] with begin after end");
        }

        if (pair[1] > dataLength)
        {
            throw Fail(name, $"has data_offsets [{pair[0]}, {pair[1]}] (file offsets {_dataStart + pair[0]}..{_dataStart + pair[1]}) " +
                $"past the end of the {dataLength}-byte data region");
        }

        return (pair[0], pair[1]);
    }

    // The format requires the entries to tile the data region: sorted by offset, each begins
    // where the previous ended, and the last ends at the end of the file.
    private void CheckCoverage(long dataLength)
    {
        var sorted = Entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long position = 0;
        string previous = "(start of data)";
        foreach (SafeTensorsEntry entry in sorted)
        {
            if (entry.Begin < position)
            {
                throw Fail(entry.Name, $"data_offsets [{entry.Begin}, {entry.End}] overlap '{previous}', which ends at data offset {position} (file offset {_dataStart + position})");
            }

            if (entry.Begin > position)
            {
                throw Fail(entry.Name, $"data_offsets [{entry.Begin}, {entry.End}] leave a hole: bytes {position}..{entry.Begin} after '{previous}' (file offsets {_dataStart + position}..{_dataStart + entry.Begin}) belong to no tensor");
            }

            position = entry.End;
            previous = entry.Name;
        }

        if (position != dataLength)
        {
            throw new SafeTensorsFormatException(
                $"safetensors: tensors cover data bytes 0..{position} but the data region is {dataLength} bytes " +
                $"(file offsets {_dataStart + position}..{_dataStart + dataLength} belong to no tensor; last tensor '{previous}')");
        }
    }

    private static SafeTensorsFormatException Fail(string name, string problem) =>
        new($"safetensors: tensor '{name}' {problem}");
}
