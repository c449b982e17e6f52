using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>The Open Inference Protocol v2 endpoints, called with the bodies tritonclient and the KServe client send.</summary>
public sealed class V2ProtocolTests(TestRepository repository) : IClassFixture<TestRepository>
{
    private ConfiguredFactory Factory() => new(new Dictionary<string, string> { ["ModelRepository"] = repository.Root, ["DefaultModel"] = "digits" });

    [Fact]
    public async Task HealthAndMetadata_DescribeEveryModelAndVersion()
    {
        await using var factory = Factory();
        using var client = await factory.ReadyClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/models/digits/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/models/digits/versions/1/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v2/models/digits/versions/9/ready")).StatusCode);
        Assert.Equal("deepnet", (await Json.ReadAsync(await client.GetAsync("/v2"))).GetProperty("name").GetString());

        var metadata = await Json.ReadAsync(await client.GetAsync("/v2/models/digits"));
        Assert.Equal(["1", "2"], metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        var input = metadata.GetProperty("inputs")[0];
        Assert.Equal("input", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([-1, 1, 6, 6], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal([-1, 3], metadata.GetProperty("outputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        var sensor = await Json.ReadAsync(await client.GetAsync("/v2/models/sensor/versions/1"));
        Assert.Equal([-1, 4], sensor.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        using var missing = await client.GetAsync("/v2/models/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("'nope' is not loaded", (await Json.ReadAsync(missing)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Infer_JsonTensors_AsTheKServeClientSendsThem_AnswerEachVersion()
    {
        await using var factory = Factory();
        using var client = await factory.ReadyClientAsync();
        float[] inputs = Json.Inputs(2, 36, seed: 5);
        string data = string.Join(",", inputs.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        string body = "{\"id\":\"req-7\",\"inputs\":[{\"name\":\"input\",\"shape\":[2,1,6,6],\"datatype\":\"FP32\",\"data\":[" + data + "]}],"
            + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":false}}]}";
        foreach (var (path, seed, version) in new[] { ("/v2/models/digits/infer", 2, "2"), ("/v2/models/digits/versions/1/infer", 1, "1") })
        {
            using var response = await client.PostAsync(path, Json.Body(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = await Json.ReadAsync(response);
            Assert.Equal("digits", answer.GetProperty("model_name").GetString());
            Assert.Equal(version, answer.GetProperty("model_version").GetString());
            Assert.Equal("req-7", answer.GetProperty("id").GetString());
            var output = answer.GetProperty("outputs")[0];
            Assert.Equal("output", output.GetProperty("name").GetString());
            Assert.Equal([2, 3], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
            Assert.Equal(TestRepository.CnnProbabilities(seed, inputs, 2), Json.Floats(output.GetProperty("data")), (a, b) => Math.Abs(a - b) < 1e-5f);
        }
        // Nested data ("row-major" nesting is allowed by the protocol) gives the same answer.
        string nested = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[[1.5,-2,0.25,3]]}]}";
        using var sensor = await client.PostAsync("/v2/models/sensor/infer", Json.Body(nested));
        Assert.Equal(HttpStatusCode.OK, sensor.StatusCode);
    }

    [Fact]
    public async Task Infer_BinaryTensors_AsTritonClientSendsThem()
    {
        await using var factory = Factory();
        using var client = await factory.ReadyClientAsync();
        float[] inputs = Json.Inputs(3, 36, seed: 6);
        byte[] header = Encoding.UTF8.GetBytes("{\"inputs\":[{\"name\":\"input\",\"shape\":[3,1,6,6],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
            + inputs.Length * 4 + "}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}");
        var body = new byte[header.Length + inputs.Length * 4];
        header.CopyTo(body, 0);
        for (int i = 0; i < inputs.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(header.Length + i * 4), inputs[i]);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(CultureInfo.InvariantCulture));
        using var response = await client.PostAsync("/v2/models/digits/versions/2/infer", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        int length = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), CultureInfo.InvariantCulture);
        byte[] answer = await response.Content.ReadAsByteArrayAsync();
        Assert.Contains("\"binary_data_size\":36", Encoding.UTF8.GetString(answer, 0, length));
        float[] outputs = Enumerable.Range(0, 9).Select(i => BinaryPrimitives.ReadSingleLittleEndian(answer.AsSpan(length + i * 4))).ToArray();
        Assert.Equal(TestRepository.CnnProbabilities(2, inputs, 3), outputs, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Theory]
    [InlineData("{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}", "unexpected inference input 'INPUT0'")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,2,3,4]}]}", "datatype INT64 is not supported")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,5],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5]}]}", "does not match [-1, 4]")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}", "holds 4 values, the shape needs 8")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,1e39]}]}", "not a finite float32")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,1e400]}]}", "not a finite float32")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,\"2\",3,4]}]}", "holds a string")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}", "not valid JSON")]
    [InlineData("{\"inputs\":[]}", "exactly one input tensor")]
    [InlineData("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}],\"outputs\":[{\"name\":\"logits\"}]}", "unexpected inference output 'logits'")]
    public async Task Infer_BadRequests_AreRefusedWithTheProtocolsErrorBody(string body, string message)
    {
        await using var factory = Factory();
        using var client = await factory.ReadyClientAsync();
        using var response = await client.PostAsync("/v2/models/sensor/infer", Json.Body(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, (await Json.ReadAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Infer_NonJsonContentTypeOrUnknownModel_IsRefused()
    {
        await using var factory = Factory();
        using var client = await factory.ReadyClientAsync();
        using var text = await client.PostAsync("/v2/models/sensor/infer", new StringContent("{}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        using var unknown = await client.PostAsync("/v2/models/nope/versions/1/infer", Json.Body("{}"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
