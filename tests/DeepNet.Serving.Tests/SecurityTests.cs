using System.Net;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>API-key authentication, per-client rate limiting and CORS (off unless configured).</summary>
public sealed class SecurityTests(TestRepository repository) : IClassFixture<TestRepository>
{
    private const string KeyA = "key-a-0123456789abcdef", KeyB = "key-b-0123456789abcdef";
    private const string Sensor = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";

    private ConfiguredFactory Factory(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["ModelRepository"] = repository.Root, ["DefaultModel"] = "sensor" };
        foreach (var (key, value) in extra) settings[key] = value;
        return new ConfiguredFactory(settings);
    }

    private static HttpRequestMessage Infer(string? bearer = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v2/models/sensor/infer") { Content = Json.Body(Sensor) };
        if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
        if (apiKey is not null) request.Headers.Add("X-API-Key", apiKey);
        return request;
    }

    [Fact]
    public async Task ApiKeys_AreRequiredOnInference_NotOnHealth()
    {
        await using var factory = Factory(("ApiKeys:0", KeyA), ("ApiKeys:1", KeyB));
        using var client = await factory.ReadyClientAsync();
        using var anonymous = await client.SendAsync(Infer());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Authorization: Bearer", (await Json.ReadAsync(anonymous)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Infer(bearer: "wrong-key-0123456789"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/predict", Json.Body("{\"instances\":[[1,2,3,4]]}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v2/models/sensor")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/v2/repository/reload", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Infer(bearer: KeyA))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Infer(apiKey: KeyB))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/ready")).StatusCode);
    }

    [Fact]
    public async Task RateLimit_CountsEachKeySeparately_AndAnswers429WithRetryAfter()
    {
        await using var factory = Factory(("ApiKeys:0", KeyA), ("ApiKeys:1", KeyB), ("RateLimitPermits", "3"), ("RateLimitWindowSeconds", "60"));
        using var client = await factory.ReadyClientAsync();
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Infer(bearer: KeyA))).StatusCode);
        using var limited = await client.SendAsync(Infer(bearer: KeyA));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("60", limited.Headers.GetValues("Retry-After").Single());
        Assert.Equal("rate_limited", (await Json.ReadAsync(limited)).GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Infer(apiKey: KeyB))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Cors_IsOffUnlessConfigured_ThenOnlyForTheNamedOrigins()
    {
        static HttpRequestMessage Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/v2/models/sensor/infer");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type");
            return request;
        }
        await using (var closed = Factory())
        {
            using var client = await closed.ReadyClientAsync();
            using var response = await client.SendAsync(Preflight("https://evil.example"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
        await using var open = Factory(("CorsOrigins:0", "https://app.example"));
        using var browser = await open.ReadyClientAsync();
        using var allowed = await browser.SendAsync(Preflight("https://app.example"));
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        using var other = await browser.SendAsync(Preflight("https://evil.example"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
