using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace DeepNet.Serving.Tests;

/// <summary>Request bodies and response reading for the tests.</summary>
public static class Json
{
    /// <summary>{"instances": [[...], ...]} with flat rows of <paramref name="features"/> values.</summary>
    public static string Instances(float[] inputs, int features) =>
        "{\"instances\": [" + string.Join(", ", inputs.Chunk(features).Select(Row)) + "]}";

    public static string Row(IEnumerable<float> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    public static float[] Inputs(int count, int features, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * features).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }
}
