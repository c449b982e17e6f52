using System.Net;
using System.Text;
using Xunit;

namespace DeepNet.Serving.Tests;

public sealed class BadInputTests(TestModels models) : IClassFixture<TestModels>
{
    private static readonly string Four = "[1, 2, 3, 4]";

    public static TheoryData<string, int, string, string> Cases => new()
    {
        { "{\"instances\": [[1, 2, 3, 4]", 400, "malformed_json", "not valid JSON" },
        { "", 400, "malformed_json", "not valid JSON" },
        { "{\"instances\": [[NaN, 1, 2, 3]]}", 400, "malformed_json", "not valid JSON" },
        { "[[1, 2, 3, 4]]", 400, "bad_shape", "JSON object with an \\\"instances\\\" list" },
        { "{\"inputs\": [[1, 2, 3, 4]]}", 400, "bad_shape", "\\\"instances\\\" list" },
        { "{\"instances\": {\"a\": 1}}", 400, "bad_shape", "must be a list, got an object" },
        { "{\"instances\": []}", 400, "empty", "is empty" },
        { "{\"instances\": [[1, 2, 3]]}", 400, "bad_shape", "instances[0] has shape [3] (3 values), expected [4]" },
        { "{\"instances\": [[1, 2, 3, 4, 5]]}", 400, "bad_shape", "has shape [5]" },
        { $"{{\"instances\": [{Four}, [[1, 2], [3, 4]]]}}", 400, "bad_shape", "instances[1] has shape [2, 2]" },
        { "{\"instances\": [[1, \"2\", 3, 4]]}", 400, "non_numeric", "instances[0][1] is a string, expected a number" },
        { "{\"instances\": [[1, null, 3, 4]]}", 400, "non_numeric", "instances[0][1] is null" },
        { "{\"instances\": [[1, true, 3, 4]]}", 400, "non_numeric", "is a boolean" },
        { "{\"instances\": [[1, [2], 3, 4]]}", 400, "non_numeric", "instances[0][1] is a list of 1, expected a number" },
        { "{\"instances\": [[1, 2, 1e999, 4]]}", 400, "non_finite", "instances[0][2] = 1e999 is not a finite float32 value" },
        { "{\"instances\": [[1, 2, 3, -1e39]]}", 400, "non_finite", "not a finite float32" },
        { "{\"instances\": [" + string.Join(", ", Enumerable.Repeat(Four, 9)) + "]}", 400, "too_many_instances", "9 instances in one request, the limit is 8" },
        { "{\"instances\": [[" + new string('1', 5000) + ", 2, 3, 4]]}", 413, "body_too_large", "larger than the limit of 4096 bytes" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_IsRefusedWithProblemDetails(string body, int status, string kind, string detail)
    {
        await using var factory = new ServingFactory(models.RegressorPath,
            new Dictionary<string, string> { ["MaxInstances"] = "8", ["MaxBodyBytes"] = "4096" });
        using var client = await factory.ReadyClientAsync();
        using var response = await client.PostAsync("/predict", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var problem = System.Text.Json.JsonDocument.Parse(text).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(kind, problem.GetProperty("kind").GetString());
        Assert.Contains(detail.Replace("\\\"", "\""), problem.GetProperty("detail").GetString());
        string metrics = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(1, PredictTests.Metric(metrics, $"deepnet_predict_errors_total{{status_class=\"{status / 100}xx\",kind=\"{kind}\"}}"));
        Assert.Equal(0, PredictTests.Metric(metrics, "deepnet_batch_size_count"));
    }

    [Fact]
    public async Task BodyOverTheLimit_WithoutContentLength_Is413()
    {
        await using var factory = new ServingFactory(models.RegressorPath, new Dictionary<string, string> { ["MaxBodyBytes"] = "4096" });
        using var client = await factory.ReadyClientAsync();
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"instances\": [[" + new string('1', 9000) + "]]}")));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task QueueFull_Is503()
    {
        // The inference worker is not started, so the first request stays queued and fills a queue of 1.
        await using var factory = new ServingFactory(models.RegressorPath, new Dictionary<string, string> { ["QueueCapacity"] = "1", ["MaxInstances"] = "1" });
        using var client = await factory.ReadyClientAsync();
        var queue = (InferenceQueue)factory.Services.GetService(typeof(InferenceQueue))!;
        await queue.StopAsync(CancellationToken.None);
        using var full = await client.PostAsync("/predict", Json.Body("{\"instances\": [[1, 2, 3, 4]]}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        Assert.Contains("queue_full", await full.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
