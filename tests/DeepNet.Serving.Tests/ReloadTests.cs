using System.Globalization;
using System.Net;
using DeepNet.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>Loading, reloading and unloading repository models while requests are in flight.</summary>
public sealed class ReloadTests
{
    private static ConfiguredFactory Factory(TestRepository repository) =>
        new(new Dictionary<string, string> { ["ModelRepository"] = repository.Root, ["DefaultModel"] = "digits" });

    private static string V2Body(float[] inputs) => "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,6,6],\"datatype\":\"FP32\",\"data\":["
        + string.Join(",", inputs.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]}]}";

    [Fact]
    public async Task Reload_WhileRequestsAreInFlight_DropsNone_AndServesTheNewWeights()
    {
        using var repository = new TestRepository();
        await using var factory = Factory(repository);
        using var client = await factory.ReadyClientAsync();
        var store = factory.Services.GetRequiredService<ModelStore>();
        float[] image = Json.Inputs(1, 36, seed: 9);
        var oldHandle = store.Models["digits"][^1];

        using var stop = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var load = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = i % 2 == 0
                    ? await client.PostAsync("/predict", Json.Body(Json.Instances(image, 36)))
                    : await client.PostAsync("/v2/models/digits/infer", Json.Body(V2Body(image)));
                statuses.Add(response.StatusCode);
            }
        })).ToArray();
        await Task.Delay(150);
        for (int round = 0; round < 3; round++)
        {
            repository.Save("digits", "2", TestRepository.Cnn(seed: 20 + round), [1, 6, 6], ModelTask.Classification);
            using var reload = await client.PostAsync("/v2/repository/models/digits/load", null);
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
            await Task.Delay(100);
        }
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(statuses.Count > 10, $"only {statuses.Count} requests ran during the reloads");
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(oldHandle.IsRetired && oldHandle.IsDisposed, "the replaced version was not disposed after its requests finished");
        using var answer = await client.PostAsync("/v2/models/digits/infer", Json.Body(V2Body(image)));
        var data = Json.Floats((await Json.ReadAsync(answer)).GetProperty("outputs")[0].GetProperty("data"));
        Assert.Equal(TestRepository.CnnProbabilities(22, image, 1), data, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public async Task ReplacedVersion_FinishesWhatItStarted_ThenIsDisposed()
    {
        using var repository = new TestRepository();
        await using var factory = Factory(repository);
        using var client = await factory.ReadyClientAsync();
        var store = factory.Services.GetRequiredService<ModelStore>();
        var lease = store.Acquire("digits", "1")!;  // a request that started on version 1
        repository.Save("digits", "1", TestRepository.Cnn(seed: 30), [1, 6, 6], ModelTask.Classification);
        Assert.Empty(await store.ReloadAsync());
        Assert.True(lease.IsRetired);
        Assert.False(lease.IsDisposed);
        float[] image = Json.Inputs(1, 36, seed: 3);
        Assert.Equal(TestRepository.CnnProbabilities(1, image, 1), lease.Model.Run(image, 1), (a, b) => Math.Abs(a - b) < 1e-5f);
        lease.Release();
        Assert.True(lease.IsDisposed);
        Assert.NotSame(lease, store.Acquire("digits", "1"));
    }

    [Fact]
    public async Task NewModelsAndVersions_Load_RemovedAndUnloadedOnesGo_AndBrokenOnesKeepTheOldCopy()
    {
        using var repository = new TestRepository();
        await using var factory = Factory(repository);
        using var client = await factory.ReadyClientAsync();
        var store = factory.Services.GetRequiredService<ModelStore>();

        repository.Save("digits", "3", TestRepository.Cnn(seed: 3), [1, 6, 6], ModelTask.Classification);
        Directory.Delete(Path.Combine(repository.Root, "digits", "1"), recursive: true);
        using (var reload = await client.PostAsync("/v2/repository/reload", null)) Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        Assert.Equal(["2", "3"], store.Models["digits"].Select(h => h.Version));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v2/models/digits/versions/1/ready")).StatusCode);

        File.WriteAllText(Path.Combine(repository.Root, "sensor", "1", "model.safetensors"), "not weights");
        using (var broken = await client.PostAsync("/v2/repository/models/sensor/load", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
            Assert.Contains("model 'sensor' version 1", (await Json.ReadAsync(broken)).GetProperty("error").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/models/sensor/ready")).StatusCode);

        using (var unload = await client.PostAsync("/v2/repository/models/sensor/unload", null)) Assert.Equal(HttpStatusCode.OK, unload.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v2/models/sensor/ready")).StatusCode);
        using var index = await client.PostAsync("/v2/repository/index", null);
        Assert.Equal(2, (await Json.ReadAsync(index)).GetArrayLength());
    }

    [Fact]
    public void Repository_WithSeveralModelsAndNoDefault_FailsNamingThem()
    {
        using var repository = new TestRepository();
        var options = Microsoft.Extensions.Options.Options.Create(new ServingOptions { ModelRepository = repository.Root });
        using var store = new ModelStore(options, new ServingMetrics(Prometheus.Metrics.NewCustomRegistry()), Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelStore>.Instance);
        var error = Assert.Throws<ArgumentException>(store.Load);
        Assert.Contains("holds 2 models (digits, sensor)", error.Message);
        Assert.Contains("--default-model", error.Message);
    }
}
