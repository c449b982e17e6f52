using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>Refusals added by the hardening: media type, duplicate keys, non-finite outputs, deadlines; all counted by status class and kind.</summary>
public sealed class HardeningTests(TestModels models) : IClassFixture<TestModels>
{
    private static async Task<(int Status, string Kind)> PostAsync(HttpClient client, HttpContent content)
    {
        using var response = await client.PostAsync("/predict", content);
        string text = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode) return ((int)response.StatusCode, "");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("kind").GetString()!);
    }

    private static ByteArrayContent Typed(string body, string? type)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (type is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    [Fact]
    public async Task NonJsonContentType_Is415_DuplicateKeys_Are400_BothCounted()
    {
        await using var factory = new ServingFactory(models.RegressorPath);
        using var client = await factory.ReadyClientAsync();
        string body = "{\"instances\": [[1, 2, 3, 4]]}";
        foreach (string? type in new[] { "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", null })
            Assert.Equal((415, "unsupported_media_type"), await PostAsync(client, Typed(body, type)));
        Assert.Equal((200, ""), await PostAsync(client, Typed(body, "application/json; charset=utf-8")));
        Assert.Equal((400, "duplicate_key"), await PostAsync(client, Typed("{\"instances\": [[1, 2, 3, 4]], \"instances\": [[5, 6, 7, 8]]}", "application/json")));
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(5, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"unsupported_media_type\"}"));
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"duplicate_key\"}"));
    }

    // A model whose weights are finite but large: x = ±3.4e38 overflows inside it (softmax of Inf is NaN).
    private static string SaveAmplifier(string folder, bool classifier)
    {
        string weights = Path.Combine(folder, $"amplifier-{classifier}.safetensors");
        using var model = new Layers.Sequential(new Layers.Dense(4, 3));
        using (Autograd.GradMode.NoGrad()) model[0].Parameters().First().Fill(2f);
        Serialization.ModuleFiles.Save(model, weights);
        Serialization.ModelArchitecture.Describe(model, [4], classifier ? Serialization.ModelTask.Classification : Serialization.ModelTask.Regression)
            .Save(Path.ChangeExtension(weights, ".json"));
        return weights;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InputsAtTheEdgeOfFloat32_Are422_NotA500(bool classifier)
    {
        await using var factory = new ServingFactory(SaveAmplifier(models.Folder, classifier));
        using var client = await factory.ReadyClientAsync();
        var (status, kind) = await PostAsync(client, Json.Body("{\"instances\": [[0, 0, 0, 0], [3.4e38, 3.4e38, 3.4e38, 3.4e38]]}"));
        Assert.Equal((422, "non_finite_output"), (status, kind));
        Assert.Equal((200, ""), await PostAsync(client, Json.Body("{\"instances\": [[0, 1, 0, 1]]}")));
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"non_finite_output\"}"));
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_instances_total"));
    }

    [Fact]
    public async Task InputsThatOverflowTheNormalization_Are400()
    {
        await using var factory = new ServingFactory(models.RegressorPath);
        using var client = await factory.ReadyClientAsync();
        // Feature 1 has std 0.5: -3.4e38 becomes -6.8e38, beyond float32.
        Assert.Equal((400, "non_finite"), await PostAsync(client, Json.Body("{\"instances\": [[0, -3.4e38, 0, 0]]}")));
    }

    [Fact]
    public async Task NaNModel_Is500ProblemJson_CountedAsAnError_NotAsInstances()
    {
        string weights = Path.Combine(models.Folder, "nan-model.safetensors");
        var g = new Tensors.Generator(3);
        using (var model = new Layers.Sequential(new Layers.Dense(4, 2, generator: g)))
        {
            using (Autograd.GradMode.NoGrad()) model[0].Parameters().First().Fill(float.NaN);
            Serialization.ModuleFiles.Save(model, weights);
            Serialization.ModelArchitecture.Describe(model, [4], Serialization.ModelTask.Regression).Save(Path.ChangeExtension(weights, ".json"));
        }
        await using var factory = new ServingFactory(weights, new Dictionary<string, string> { ["AllowNonFiniteWeights"] = "true" });
        using var client = await factory.ReadyClientAsync();
        Assert.Equal((500, "model_non_finite"), await PostAsync(client, Json.Body("{\"instances\": [[1, 2, 3, 4]]}")));
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"5xx\",kind=\"model_non_finite\"}"));
        Assert.Equal(0, PredictTests.Metric(metrics, "deepnet_predict_instances_total"));
    }

    [Fact]
    public async Task EveryNon2xx_IsCounted_AndProcessMetricsAreExported()
    {
        await using var factory = new ServingFactory(models.RegressorPath, loadModel: false);
        using var client = factory.CreateClient();
        Assert.Equal((503, "not_ready"), await PostAsync(client, Json.Body("{\"instances\": [[1, 2, 3, 4]]}")));
        using (var missing = await client.PostAsync("/nowhere", Json.Body("{}"))) Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"5xx\",kind=\"not_ready\"}"));
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"http_404\"}"));
        Assert.True(PredictTests.Metric(metrics, "process_cpu_seconds_total") > 0);
        Assert.Contains("dotnet_total_memory_bytes", metrics);
    }

    [Fact]
    public async Task RequestPastItsDeadline_Is503DeadlineExceeded()
    {
        // The worker waits 2 s for a batch to fill; the request's deadline is 50 ms.
        await using var factory = new ServingFactory(models.RegressorPath,
            new Dictionary<string, string> { ["RequestTimeoutMs"] = "50", ["MaxWaitMs"] = "2000" });
        using var client = await factory.ReadyClientAsync();
        Assert.Equal((503, "deadline_exceeded"), await PostAsync(client, Json.Body("{\"instances\": [[1, 2, 3, 4]]}")));
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"5xx\",kind=\"deadline_exceeded\"}"));
    }

    [Fact]
    public void Readiness_Reports503Saturated_WhenTheQueueIsFull()
    {
        var (store, queue, _) = InferenceQueueTests.Create(models.RegressorPath, capacity: 4, maxBatch: 4, waitMs: 0);
        using (store)
        {
            store.Load();
            Assert.Equal(200, Assert.IsAssignableFrom<IStatusCodeHttpResult>(HealthEndpoint.Handle(store, queue)).StatusCode);
            Assert.True(queue.TryEnqueue(new InferenceRequest(new float[12], 3)));
            Assert.False(queue.Saturated);
            Assert.True(queue.TryEnqueue(new InferenceRequest(new float[4], 1)));
            Assert.True(queue.Saturated);
            Assert.Equal(503, Assert.IsAssignableFrom<IStatusCodeHttpResult>(HealthEndpoint.Handle(store, queue)).StatusCode);
        }
    }
}
