using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>Garbled v2 infer requests (JSON and binary) never get a 5xx and never take the server down.</summary>
public sealed class V2FuzzTests(TestRepository repository) : IClassFixture<TestRepository>
{
    private const int Requests = 300;

    private static readonly string[] Fragments =
    [
        "\"inputs\"", "\"name\"", "\"input\"", "\"shape\"", "\"datatype\"", "\"FP32\"", "\"INT8\"", "\"BYTES\"", "\"data\"", "\"parameters\"",
        "\"binary_data_size\"", "\"outputs\"", "\"output\"", "\"binary_data\"", "true", "null", "-1", "0", "4", "1e39", "-3.4e38", "[", "]",
        "{", "}", ",", ":", "\"id\"", "9999999999", "\"\\u0000\"",
    ];

    [Fact]
    public async Task GarbledInferRequests_NeverGet5xx()
    {
        await using var factory = new ConfiguredFactory(new Dictionary<string, string>
        {
            ["ModelRepository"] = repository.Root, ["DefaultModel"] = "sensor", ["MaxBodyBytes"] = "8192",
        });
        using var client = await factory.ReadyClientAsync();
        var random = new Random(15);
        string valid = "{\"id\":\"x\",\"inputs\":[{\"name\":\"input\",\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6,7,8]}],"
            + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";
        var statuses = new Dictionary<int, int>();
        for (int i = 0; i < Requests; i++)
        {
            byte[] body = (i % 3) switch
            {
                0 => Mutate(valid, random),
                1 => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5 + random.Next(40)).Select(_ => Fragments[random.Next(Fragments.Length)]))),
                _ => Enumerable.Range(0, random.Next(200)).Select(_ => (byte)random.Next(256)).ToArray(),
            };
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(5) == 0 ? "application/octet-stream" : "application/json");
            if (random.Next(3) == 0)
                content.Headers.Add("Inference-Header-Content-Length", (random.Next(4) == 0 ? "x" : (random.Next(body.Length + 8) - 4).ToString(CultureInfo.InvariantCulture)));
            string path = random.Next(6) == 0 ? "/v2/models/digits/versions/1/infer" : "/v2/models/sensor/infer";
            using var response = await client.PostAsync(path, content);
            int status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"request {i} got {status}: {Encoding.UTF8.GetString(body)}\n{await response.Content.ReadAsStringAsync()}");
        }
        Assert.True(statuses.Count >= 2, $"only statuses {string.Join(", ", statuses.Keys)}");
        Assert.True(statuses.Where(s => s.Key != 200).Sum(s => s.Value) >= 100, "fewer than 100 requests were malformed");
        Assert.True((await client.GetAsync("/v2/health/ready")).IsSuccessStatusCode);
    }

    private static byte[] Mutate(string valid, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(valid).ToList();
        for (int e = 1 + random.Next(4); e > 0 && bytes.Count > 0; e--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(3))
            {
                case 0: bytes.RemoveAt(at); break;
                case 1: bytes.Insert(at, (byte)"{}[]\",:0-e9"[random.Next(11)]); break;
                default: bytes[at] = (byte)random.Next(32, 127); break;
            }
        }
        return [.. bytes];
    }
}
