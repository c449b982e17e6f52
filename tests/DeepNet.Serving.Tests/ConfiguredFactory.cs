using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DeepNet.Serving.Tests;

/// <summary>Hosts the server in memory with exactly the given "Serving:" settings (no default model file).</summary>
public sealed class ConfiguredFactory(IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Serving:MaxWaitMs", "2");
        foreach (var (key, value) in settings) builder.UseSetting("Serving:" + key, value);
    }

    /// <summary>A client once /v2/health/ready answers 200.</summary>
    public async Task<HttpClient> ReadyClientAsync()
    {
        var client = CreateClient();
        for (int i = 0; i < 400; i++)
        {
            using var ready = await client.GetAsync("/v2/health/ready");
            if (ready.IsSuccessStatusCode) return client;
            await Task.Delay(25);
        }
        throw new TimeoutException("the models did not become ready in 10 s");
    }
}
