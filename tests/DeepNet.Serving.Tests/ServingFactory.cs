using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DeepNet.Serving.Tests;

/// <summary>Hosts the server in memory for one model file, with serving settings overridden per test.</summary>
public sealed class ServingFactory(string modelPath, IReadOnlyDictionary<string, string>? settings = null, bool loadModel = true)
    : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Serving:Model", modelPath);
        builder.UseSetting("Serving:MaxWaitMs", "5");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.UseSetting("Serving:" + key, value);
        if (!loadModel)
            builder.ConfigureTestServices(services =>
            {
                // Keep the server up with the model unloaded, so a test can watch /health before and after Load.
                var loader = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(ModelLoadService));
                services.Remove(loader);
            });
    }

    /// <summary>A client once the model is ready (polls /health).</summary>
    public async Task<HttpClient> ReadyClientAsync()
    {
        var client = CreateClient();
        for (int i = 0; i < 200; i++)
        {
            using var health = await client.GetAsync("/health");
            if (health.IsSuccessStatusCode) return client;
            await Task.Delay(25);
        }
        throw new TimeoutException("the model did not become ready in 5 s");
    }
}
