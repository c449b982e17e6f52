namespace DeepNet.Serving;

/// <summary>
/// Loads the model once the server is up (so /health answers 503 "loading" meanwhile). A model that
/// fails to load stops the application: the error is logged and printed, and Program exits non-zero.
/// </summary>
public sealed class ModelLoadService(ModelStore store, IHostApplicationLifetime lifetime, ILogger<ModelLoadService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            store.Load();
            if (store.Model is { DigestVerified: false } model)
                logger.LogWarning("model weights have no SHA-256 sidecar (.sha256), so their integrity was not checked; SHA-256 {Digest}", model.WeightsSha256);
        }
        catch (Exception e)
        {
            logger.LogCritical("model failed to load, stopping: {Message}", e.Message);
            Console.Error.WriteLine($"error: model failed to load: {e.Message}");
            lifetime.StopApplication();
        }
    }, stoppingToken);
}
