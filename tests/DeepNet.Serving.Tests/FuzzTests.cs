using System.Net.Http.Headers;
using System.Text;
using Xunit;

namespace DeepNet.Serving.Tests;

public sealed class FuzzTests(TestModels models) : IClassFixture<TestModels>
{
    private const int Bodies = 400;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task GarbledBodies_NeverGet5xx(int seed)
    {
        await using var factory = new ServingFactory(seed == 1 ? models.RegressorPath : models.ClassifierPath,
            new Dictionary<string, string> { ["MaxBodyBytes"] = "8192", ["MaxInstances"] = "16", ["MaxBatchSize"] = "16" });
        using var client = await factory.ReadyClientAsync();
        var random = new Random(seed);
        int features = seed == 1 ? 4 : 36;
        string valid = Json.Instances(Json.Inputs(2, features, seed), features);
        var statuses = new Dictionary<int, int>();
        for (int i = 0; i < Bodies; i++)
        {
            byte[] body = (i % 3) switch
            {
                0 => Mutate(Encoding.UTF8.GetBytes(valid), random),
                1 => Encoding.UTF8.GetBytes($"{{\"instances\": {RandomJson(random, 0)}}}"),
                _ => RandomBytes(random),
            };
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(4) == 0 ? "text/plain" : "application/json");
            using var response = await client.PostAsync("/predict", content, TestContext.Current.CancellationToken);
            int status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"body {i} got {status}: {Encoding.UTF8.GetString(body)}\n{await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            if (status != 200) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.True(statuses.Keys.Count >= 2, $"only statuses {string.Join(", ", statuses.Keys)}: the fuzzer does not reach both paths");
        using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.True(health.IsSuccessStatusCode);
    }

    // Hostile but well-formed HTTP: odd media types, duplicate keys, float32 edge values, huge nesting, odd encodings.
    [Fact]
    public async Task HostileRequests_NeverGet5xx()
    {
        await using var factory = new ServingFactory(models.ClassifierPath, new Dictionary<string, string> { ["MaxBodyBytes"] = "65536" });
        using var client = await factory.ReadyClientAsync();
        var random = new Random(7);
        string[] types = ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
            "application/json; charset=latin1", "APPLICATION/JSON", "application/problem+json", "*/*", "application/json;;", "multipart/form-data; boundary=a"];
        string[] edges = ["3.4e38", "-3.4e38", "3.4028235e38", "-3.4028235e38", "1e-45", "0", "-0", "1e38", "3.4028236e38"];
        var statuses = new Dictionary<int, int>();
        for (int i = 0; i < 150; i++)
        {
            string row = "[" + string.Join(", ", Enumerable.Range(0, 36).Select(_ => edges[random.Next(edges.Length)])) + "]";
            string body = (i % 5) switch
            {
                0 => $"{{\"instances\": [{row}], \"instances\": [{row}]}}",
                1 => $"{{\"instances\": [{row}, {row}]}}",
                2 => new string('[', random.Next(1, 200)) + new string(']', random.Next(1, 200)),
                3 => $"{{\"instances\": [{row}], \"extra\": {{\"a\": 1, \"a\": 2}}}}",
                _ => "instances=" + Uri.EscapeDataString(row),
            };
            var content = new ByteArrayContent(random.Next(6) == 0 ? System.Text.Encoding.Unicode.GetBytes(body) : Encoding.UTF8.GetBytes(body));
            string type = types[random.Next(types.Length)];
            if (MediaTypeHeaderValue.TryParse(type, out var media)) content.Headers.ContentType = media;
            else content.Headers.TryAddWithoutValidation("Content-Type", type);
            using var response = await client.PostAsync("/predict", content);
            int status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"request {i} ({type}) got {status}: {body}\n{await response.Content.ReadAsStringAsync()}");
            if (status != 200) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.True(statuses.ContainsKey(415) && statuses.ContainsKey(400), $"statuses {string.Join(", ", statuses)}: the requests do not reach both checks");
        string metrics = await client.GetStringAsync("/metrics");
        Assert.DoesNotContain("status_class=\"5xx\"", metrics);
    }

    private static byte[] Mutate(byte[] body, Random random)
    {
        var bytes = body.ToList();
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, (byte)"[]{},:-.e0123456789\"nulltrue"[random.Next(28)]); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return bytes.ToArray();
    }

    private static string RandomJson(Random random, int depth) => random.Next(depth > 5 ? 6 : 9) switch
    {
        0 => random.Next(2) == 0 ? "null" : "true",
        1 => (random.NextDouble() * 1e6 - 5e5).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        2 => new[] { "1e400", "-1e39", "0", "-0", "3.4028236e38", "123456789012345678901234567890", "1E-50" }[random.Next(7)],
        3 => "\"" + new string((char)('a' + random.Next(26)), random.Next(5)) + "\"",
        4 => "{\"x\": " + RandomJson(random, depth + 1) + "}",
        5 => random.Next(2).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "[" + string.Join(", ", Enumerable.Range(0, random.Next(depth < 2 ? 40 : 5)).Select(_ => RandomJson(random, depth + 1))) + "]",
    };

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 300)];
        random.NextBytes(bytes);
        return bytes;
    }
}
