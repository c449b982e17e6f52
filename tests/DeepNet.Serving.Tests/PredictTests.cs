using System.Net;
using System.Text.Json;
using Xunit;

namespace DeepNet.Serving.Tests;

public sealed class PredictTests(TestModels models) : IClassFixture<TestModels>
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public async Task Classifier_PredictionsEqualCallingTheModelDirectly()
    {
        await using var factory = new ServingFactory(models.ClassifierPath);
        using var client = await factory.ReadyClientAsync();
        float[] inputs = Json.Inputs(5, 36, seed: 1);
        using var response = await client.PostAsync("/predict", Json.Body(Json.Instances(inputs, 36)), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var predictions = (await Json.ReadAsync(response)).GetProperty("predictions").EnumerateArray().ToList();
        var expected = models.ClassifierProbabilities(inputs, 5);
        Assert.Equal(5, predictions.Count);
        for (int i = 0; i < 5; i++)
        {
            float[] probabilities = Json.Floats(predictions[i].GetProperty("probabilities"));
            Assert.Equal(expected[i], probabilities, (a, b) => Math.Abs(a - b) <= Tolerance);
            int best = Array.IndexOf(expected[i], expected[i].Max());
            Assert.Equal(best, predictions[i].GetProperty("class_index").GetInt32());
            Assert.Equal(new[] { "cat", "dog", "owl" }[best], predictions[i].GetProperty("class_name").GetString());
        }
    }

    [Fact]
    public async Task Classifier_AcceptsNestedImagesWithOrWithoutTheChannelDim()
    {
        await using var factory = new ServingFactory(models.ClassifierPath);
        using var client = await factory.ReadyClientAsync();
        float[] image = Json.Inputs(1, 36, seed: 2);
        string rows = string.Join(", ", image.Chunk(6).Select(Json.Row));
        float[] expected = models.ClassifierProbabilities(image, 1)[0];
        foreach (string body in new[] { $"{{\"instances\": [[[{rows}]]]}}", $"{{\"instances\": [[{rows}]]}}" })
        {
            using var response = await client.PostAsync("/predict", Json.Body(body), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var prediction = (await Json.ReadAsync(response)).GetProperty("predictions")[0];
            Assert.Equal(expected, Json.Floats(prediction.GetProperty("probabilities")), (a, b) => Math.Abs(a - b) <= Tolerance);
        }
    }

    [Fact]
    public async Task Regressor_ValuesEqualTheModelOnNormalizedInputs()
    {
        await using var factory = new ServingFactory(models.RegressorPath);
        using var client = await factory.ReadyClientAsync();
        float[] inputs = Json.Inputs(3, 4, seed: 3);
        using var response = await client.PostAsync("/predict", Json.Body(Json.Instances(inputs, 4)), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var predictions = (await Json.ReadAsync(response)).GetProperty("predictions").EnumerateArray().ToList();
        var expected = models.RegressorValues(inputs, 3);
        for (int i = 0; i < 3; i++)
            Assert.Equal(expected[i], Json.Floats(predictions[i].GetProperty("values")), (a, b) => Math.Abs(a - b) <= Tolerance);
    }

    [Fact]
    public async Task ConcurrentRequests_AreBatched_AndEachGetsItsOwnAnswer()
    {
        await using var factory = new ServingFactory(models.RegressorPath, new Dictionary<string, string> { ["MaxWaitMs"] = "50", ["MaxBatchSize"] = "64" });
        using var client = await factory.ReadyClientAsync();
        const int requests = 24;
        var inputs = Enumerable.Range(0, requests).Select(i => Json.Inputs(1 + i % 3, 4, seed: 100 + i)).ToArray();
        var responses = await Task.WhenAll(inputs.Select(x => client.PostAsync("/predict", Json.Body(Json.Instances(x, 4)))));
        for (int i = 0; i < requests; i++)
        {
            Assert.Equal(HttpStatusCode.OK, responses[i].StatusCode);
            var predictions = (await Json.ReadAsync(responses[i])).GetProperty("predictions").EnumerateArray().ToList();
            var expected = models.RegressorValues(inputs[i], inputs[i].Length / 4);
            Assert.Equal(expected.Length, predictions.Count);
            for (int k = 0; k < expected.Length; k++)
                Assert.Equal(expected[k], Json.Floats(predictions[k].GetProperty("values")), (a, b) => Math.Abs(a - b) <= Tolerance);
            responses[i].Dispose();
        }
        string metrics = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        double passes = Metric(metrics, "deepnet_batch_size_count"), instances = Metric(metrics, "deepnet_batch_size_sum");
        Assert.Equal(inputs.Sum(x => x.Length / 4), instances);
        Assert.True(passes < requests, $"{requests} requests ran as {passes} forward passes: nothing was batched");
    }

    [Fact]
    public async Task Metrics_CountRequestsErrorsLatencyAndBatches()
    {
        await using var factory = new ServingFactory(models.RegressorPath);
        using var client = await factory.ReadyClientAsync();
        using (await client.PostAsync("/predict", Json.Body(Json.Instances(Json.Inputs(2, 4, seed: 4), 4)), TestContext.Current.CancellationToken)) { }
        using (await client.PostAsync("/predict", Json.Body("{\"instances\": []}"), TestContext.Current.CancellationToken)) { }
        using var response = await client.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, Metric(text, "deepnet_predict_requests_total"));
        Assert.Equal(1, Metric(text, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"empty\"}"));
        Assert.Equal(2, Metric(text, "deepnet_predict_instances_total"));
        Assert.Equal(2, Metric(text, "deepnet_predict_latency_seconds_count"));
        Assert.Equal(1, Metric(text, "deepnet_batch_size_count"));
        Assert.Equal(1, Metric(text, "deepnet_model_ready"));
    }

    [Fact]
    public async Task Health_Is503UntilTheModelIsLoaded_Then200()
    {
        await using var factory = new ServingFactory(models.ClassifierPath, loadModel: false);
        using var client = factory.CreateClient();
        using (var before = await client.GetAsync("/health", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
            Assert.Equal("loading", (await Json.ReadAsync(before)).GetProperty("status").GetString());
        }
        using (var predict = await client.PostAsync("/predict", Json.Body(Json.Instances(Json.Inputs(1, 36, 5), 36)), TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, predict.StatusCode);
        using (var live = await client.GetAsync("/health/live", TestContext.Current.CancellationToken)) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        ((ModelStore)factory.Services.GetService(typeof(ModelStore))!).Load();
        using var after = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("ready", (await Json.ReadAsync(after)).GetProperty("status").GetString());
    }

    internal static double Metric(string text, string name)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"metric {name} not found in:\n{text}");
        return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
