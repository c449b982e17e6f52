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
        }
        catch (Exception e)
        {
            logger.LogCritical("model failed to load, stopping: {Message}", e.Message);
            Console.Error.WriteLine($"error: model failed to load: {e.Message}");
            lifetime.StopApplication();
        }
    }, stoppingToken);
}
