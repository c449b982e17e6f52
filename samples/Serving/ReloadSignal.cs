using System.Runtime.InteropServices;

namespace DeepNet.Serving;

/// <summary>
/// SIGHUP reloads the models (as nginx and HAProxy do) instead of ending the process: new and
/// changed versions are swapped in and replaced ones finish their in-flight requests.
/// </summary>
public sealed class ReloadSignal(ModelStore store, ILogger<ReloadSignal> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows()) return Task.CompletedTask;  // no SIGHUP there
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.LogInformation("SIGHUP: reloading the models");
            _ = ReloadAsync();
        });
        return Task.CompletedTask;
    }

    private async Task ReloadAsync()
    {
        try
        {
            await store.ReloadAsync();
        }
        catch (Exception e)
        {
            logger.LogError("SIGHUP reload failed: {Message}", e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();
}
