using System.Text.Json;
using DeepNet.Layers;
using DeepNet.Serialization;

namespace DeepNet.Serving;

/// <summary>
/// Reads <c>{"instances": [[...], ...]}</c> and checks everything before the model sees it: valid
/// JSON, a non-empty list of at most maxInstances instances, each either a flat list of
/// FeatureCount numbers or nested lists of the model's input shape (leading 1-dims may be left
/// out: [28, 28] for [1, 28, 28]), every value a finite float32. A text model (one with a
/// <see cref="TextEncoder"/>) takes strings instead: <c>{"instances": ["a mail", ...]}</c>.
/// </summary>
public static class PredictRequestParser
{
    private const string BadShape = "bad_shape", NonNumeric = "non_numeric", NonFinite = "non_finite";

    /// <summary>Parses and validates <paramref name="body"/> (UTF-8 JSON) for <paramref name="architecture"/>.</summary>
    public static PredictInput Parse(ReadOnlyMemory<byte> body, ModelArchitecture architecture, int maxInstances, TextEncoder? text = null)
    {
        JsonDocument document;
        try
        {
            // Duplicate keys refused: last-wins would let two parsers of one body disagree.
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = architecture.InputShape.Count + 4, AllowDuplicateProperties = false });
        }
        catch (JsonException e) when (e.Message.Contains("uplicate", StringComparison.Ordinal))
        {
            return PredictInput.Invalid("duplicate_key", $"the body has a duplicate JSON key: {e.Message}");
        }
        catch (JsonException e)
        {
            return PredictInput.Invalid("malformed_json", $"the body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("instances", out var instances))
                return PredictInput.Invalid(BadShape, "the body must be a JSON object with an \"instances\" list");
            if (instances.ValueKind != JsonValueKind.Array)
                return PredictInput.Invalid(BadShape, $"\"instances\" must be a list, got {Kind(instances)}");
            int count = instances.GetArrayLength();
            if (count == 0) return PredictInput.Invalid("empty", "\"instances\" is empty: send at least one instance");
            if (count > maxInstances)
                return PredictInput.Invalid("too_many_instances", $"{count} instances in one request, the limit is {maxInstances}");
            return text is null ? ReadInstances(instances, count, architecture) : ReadTexts(instances, count, text);
        }
    }

    private static PredictInput ReadTexts(JsonElement instances, int count, TextEncoder text)
    {
        var inputs = new float[count * text.MaxLength];
        int index = 0;
        foreach (var instance in instances.EnumerateArray())
        {
            if (instance.ValueKind != JsonValueKind.String)
                return PredictInput.Invalid(BadShape, $"instances[{index}] is {Kind(instance)}; this text model takes strings");
            text.Encode(instance.GetString()!, inputs.AsSpan(index * text.MaxLength, text.MaxLength));
            index++;
        }
        return PredictInput.Valid(inputs, count);
    }

    private static PredictInput ReadInstances(JsonElement instances, int count, ModelArchitecture architecture)
    {
        int features = architecture.FeatureCount;
        var accepted = AcceptedShapes(architecture.InputShape);
        var inputs = new float[count * features];
        int index = 0;
        foreach (var instance in instances.EnumerateArray())
        {
            string path = $"instances[{index}]";
            var shape = ShapeOf(instance);
            var expected = accepted.FirstOrDefault(s => s.AsSpan().SequenceEqual(shape));
            if (expected is null)
            {
                string options = string.Join(" or ", accepted.Select(Format));
                return PredictInput.Invalid(BadShape, $"{path} has shape {Format(shape)} ({Count(shape)} values), expected {options}");
            }
            int position = index * features;
            var error = Flatten(instance, expected, 0, inputs, ref position, path);
            if (error is not null) return error;
            index++;
        }
        if (architecture.Normalization is { } normalization)
        {
            normalization.Apply(inputs);
            int bad = Array.FindIndex(inputs, v => !float.IsFinite(v));
            if (bad >= 0)
                return PredictInput.Invalid(NonFinite,
                    $"instances[{bad / features}] value {bad % features} (flat) overflows float32 after the model's input normalization");
        }
        return PredictInput.Valid(inputs, count);
    }

    // The shapes one instance may have: the full input shape, without its leading 1-dims, and flat.
    private static List<int[]> AcceptedShapes(IReadOnlyList<int> inputShape)
    {
        var shapes = new List<int[]> { inputShape.ToArray() };
        int lead = 0;
        while (lead < inputShape.Count - 1 && inputShape[lead] == 1)
            shapes.Add(inputShape.Skip(++lead).ToArray());
        int flat = inputShape.Aggregate(1, (n, d) => n * d);
        if (shapes[^1].Length != 1) shapes.Add([flat]);
        return shapes;
    }

    // Follows the first element at each level; ragged lists are caught by Flatten.
    private static int[] ShapeOf(JsonElement element)
    {
        var dims = new List<int>();
        while (element.ValueKind == JsonValueKind.Array)
        {
            int length = element.GetArrayLength();
            dims.Add(length);
            if (length == 0) break;
            element = element[0];
        }
        return dims.ToArray();
    }

    private static PredictInput? Flatten(JsonElement element, int[] shape, int depth, float[] destination, ref int position, string path)
    {
        if (depth == shape.Length)
        {
            if (element.ValueKind != JsonValueKind.Number)
                return PredictInput.Invalid(NonNumeric, $"{path} is {Kind(element)}, expected a number");
            // float32 overflow counts as non-finite: 1e39 would become infinity inside the model.
            if (!element.TryGetDouble(out double value) || !float.IsFinite((float)value))
                return PredictInput.Invalid(NonFinite, $"{path} = {element.GetRawText()} is not a finite float32 value");
            destination[position++] = (float)value;
            return null;
        }
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != shape[depth])
            return PredictInput.Invalid(element.ValueKind == JsonValueKind.Array ? BadShape : NonNumeric,
                $"{path} is {Kind(element)}, expected a list of {shape[depth]} {(depth + 1 == shape.Length ? "numbers" : "lists")}");
        int i = 0;
        foreach (var child in element.EnumerateArray())
        {
            var error = Flatten(child, shape, depth + 1, destination, ref position, $"{path}[{i++}]");
            if (error is not null) return error;
        }
        return null;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => $"a list of {element.GetArrayLength()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static long Count(int[] shape) => shape.Aggregate(1L, (n, d) => n * d);
}
