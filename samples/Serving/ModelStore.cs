using Microsoft.Extensions.Options;

namespace DeepNet.Serving;

/// <summary>Holds the served model and whether it is loading, ready or failed (what /health reports).</summary>
public sealed class ModelStore(IOptions<ServingOptions> options, ServingMetrics metrics, ILogger<ModelStore> logger) : IDisposable
{
    private volatile LoadedModel? _model;

    /// <summary>The model once loaded, else null.</summary>
    public LoadedModel? Model => _model;

    /// <summary>Why loading failed, else null.</summary>
    public string? Error { get; private set; }

    /// <summary>"loading", "ready" or "failed".</summary>
    public string State => _model is not null ? "ready" : Error is not null ? "failed" : "loading";

    /// <summary>Validates the options and loads the model they name; on failure records and rethrows the error.</summary>
    public void Load()
    {
        try
        {
            var settings = options.Value;
            settings.Validate();
            var device = Tensors.Device.Parse(settings.Device);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var model = LoadedModel.LoadWithin(settings.Model!, device, ModelLoadPolicy.From(settings), TimeSpan.FromSeconds(settings.LoadTimeoutSeconds));
            logger.LogInformation("model {Path} loaded on {Device} in {Ms:F0} ms: {Task}, input [{Shape}], {Outputs} outputs, {Params} parameters",
                settings.Model, device, started.Elapsed.TotalMilliseconds, model.Architecture.Task,
                string.Join(", ", model.Architecture.InputShape), model.OutputWidth, model.Model.ParameterCount);
            _model = model;
            metrics.Ready.Set(1);
        }
        catch (Exception e)
        {
            Error = e.Message;
            throw;
        }
    }

    public void Dispose() => _model?.Dispose();
}
