using System.Buffers.Binary;
using System.Text.Json;
using DeepNet.Serialization;

namespace DeepNet.Serving;

/// <summary>
/// Reads a v2 infer body: JSON <c>{"id", "inputs": [{"name", "shape", "datatype", "data"}], "outputs"}</c>,
/// or, with the <c>Inference-Header-Content-Length</c> header, that JSON header followed by the
/// tensors' raw little-endian bytes (tritonclient's default). One FP32 input named "input" of shape
/// [N, ...input_shape] (N at most maxInstances); data flat or nested, every value finite.
/// </summary>
public static class V2InferParser
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowDuplicateProperties = false };

    /// <summary>Parses <paramref name="body"/>; <paramref name="headerLength"/> is the JSON part's length when binary data follows.</summary>
    public static V2Inference Parse(ReadOnlyMemory<byte> body, long? headerLength, ModelArchitecture architecture, string model, int maxInstances)
    {
        if (headerLength is { } h && (h < 2 || h > body.Length))
            return V2Inference.Refused(400, $"Inference-Header-Content-Length {h} is outside the body of {body.Length} bytes");
        var json = headerLength is { } length ? body[..(int)length] : body;
        var binary = headerLength is { } start ? body[(int)start..] : ReadOnlyMemory<byte>.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            return V2Inference.Refused(400, $"the inference request is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return V2Inference.Refused(400, "the inference request must be a JSON object");
            string? id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() != 1)
                return V2Inference.Refused(400, $"model '{model}' takes exactly one input tensor named '{V2Protocol.InputName}' in \"inputs\"");
            var (binaryOutput, outputError) = RequestedOutput(root, model);
            if (outputError is not null) return V2Inference.Refused(400, outputError);
            var result = ReadTensor(inputs[0], binary, architecture, model, maxInstances);
            return result with { Id = id, BinaryOutput = binaryOutput };
        }
    }

    private static (bool Binary, string? Error) RequestedOutput(JsonElement root, string model)
    {
        bool binary = root.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object
            && p.TryGetProperty("binary_data_output", out var b) && b.ValueKind == JsonValueKind.True;
        if (!root.TryGetProperty("outputs", out var outputs)) return (binary, null);
        if (outputs.ValueKind != JsonValueKind.Array) return (false, "\"outputs\" must be a list");
        foreach (var output in outputs.EnumerateArray())
        {
            string? name = output.ValueKind == JsonValueKind.Object && output.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (name != V2Protocol.OutputName) return (false, $"unexpected inference output '{name}' for model '{model}': it has one output, '{V2Protocol.OutputName}'");
            if (output.TryGetProperty("parameters", out var op) && op.ValueKind == JsonValueKind.Object && op.TryGetProperty("binary_data", out var ob))
                binary = ob.ValueKind == JsonValueKind.True;
        }
        return (binary, null);
    }

    private static V2Inference ReadTensor(JsonElement tensor, ReadOnlyMemory<byte> binary, ModelArchitecture architecture, string model, int maxInstances)
    {
        if (tensor.ValueKind != JsonValueKind.Object) return V2Inference.Refused(400, "each input must be an object with name, shape, datatype and data");
        string? name = tensor.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        if (name != V2Protocol.InputName) return V2Inference.Refused(400, $"unexpected inference input '{name}' for model '{model}': its input is '{V2Protocol.InputName}'");
        string? datatype = tensor.TryGetProperty("datatype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (datatype != "FP32") return V2Inference.Refused(400, $"input '{name}': datatype {datatype ?? "(missing)"} is not supported, model '{model}' takes FP32");
        if (!tensor.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            return V2Inference.Refused(400, $"input '{name}': \"shape\" must be a list of dimensions");
        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long value) || value < 0)
                return V2Inference.Refused(400, $"input '{name}': shape dimensions must be non-negative integers, got {shapeElement.GetRawText()}");
            shape.Add(value);
        }
        var expected = architecture.InputShape;
        if (shape.Count != expected.Count + 1 || !shape.Skip(1).SequenceEqual(expected.Select(x => (long)x)))
            return V2Inference.Refused(400, $"input '{name}': shape [{string.Join(", ", shape)}] does not match [-1, {string.Join(", ", expected)}] of model '{model}'");
        if (shape[0] < 1 || shape[0] > maxInstances)
            return V2Inference.Refused(400, $"input '{name}': batch size {shape[0]} is outside 1..{maxInstances}");
        int count = (int)shape[0], features = architecture.FeatureCount;
        var values = new float[count * features];
        string? error = tensor.TryGetProperty("data", out var data)
            ? ReadJson(data, values)
            : ReadBinary(tensor, binary, values);
        if (error is not null) return V2Inference.Refused(400, $"input '{name}': {error}");
        architecture.Normalization?.Apply(values);
        return new V2Inference(values, count, null, V2Protocol.OutputName, false, 200, null);
    }

    /// <summary>Flattens nested or flat JSON numbers into <paramref name="values"/>; the count must match exactly.</summary>
    private static string? ReadJson(JsonElement data, float[] values)
    {
        if (data.ValueKind != JsonValueKind.Array) return "\"data\" must be a list of numbers";
        int written = 0;
        var pending = new Stack<JsonElement.ArrayEnumerator>();
        pending.Push(data.EnumerateArray());
        while (pending.Count > 0)
        {
            var items = pending.Pop();
            if (!items.MoveNext()) continue;
            var item = items.Current;
            pending.Push(items);
            if (item.ValueKind == JsonValueKind.Array)
            {
                pending.Push(item.EnumerateArray());
                continue;
            }
            if (item.ValueKind != JsonValueKind.Number) return $"\"data\" holds a {item.ValueKind.ToString().ToLowerInvariant()} where a number belongs";
            if (!item.TryGetDouble(out double value)) return $"value {item.GetRawText()} at index {written} is not a finite float32";
            if (written == values.Length) return $"\"data\" holds more than the {values.Length} values of the shape";
            float single = (float)value;
            if (!float.IsFinite(single)) return $"value {item.GetRawText()} at index {written} is not a finite float32";
            values[written++] = single;
        }
        return written == values.Length ? null : $"\"data\" holds {written} values, the shape needs {values.Length}";
    }

    private static string? ReadBinary(JsonElement tensor, ReadOnlyMemory<byte> binary, float[] values)
    {
        if (!tensor.TryGetProperty("parameters", out var p) || p.ValueKind != JsonValueKind.Object
            || !p.TryGetProperty("binary_data_size", out var s) || !s.TryGetInt64(out long size))
            return "no \"data\" and no binary_data_size parameter";
        if (size != (long)values.Length * 4 || size != binary.Length)
            return $"binary_data_size {size} with {binary.Length} binary bytes; the shape needs {values.Length * 4L} bytes of FP32";
        var bytes = binary.Span;
        for (int i = 0; i < values.Length; i++)
        {
            float value = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
            if (!float.IsFinite(value)) return $"value {value} at index {i} is not finite";
            values[i] = value;
        }
        return null;
    }
}
