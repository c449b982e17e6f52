using Microsoft.Extensions.Options;

namespace DeepNet.Serving;

/// <summary>
/// The served models and whether they are loading, ready or failed (what /health reports): one
/// <c>--model</c> file or a <c>--model-repository</c> folder of <c>name/version/</c> models.
/// <see cref="Model"/> is the default model's latest version, the one /predict serves.
/// </summary>
public sealed class ModelStore(IOptions<ServingOptions> options, ServingMetrics metrics, ILogger<ModelStore> logger) : IDisposable
{
    private ModelRepository? _repository;
    private readonly SemaphoreSlim _reloading = new(1, 1);

    /// <summary>The default model's latest version once loaded, else null.</summary>
    public LoadedModel? Model => DefaultName is { } name && _repository?.Models.TryGetValue(name, out var handles) == true ? handles[^1].Model : null;

    /// <summary>Why loading failed, else null.</summary>
    public string? Error { get; private set; }

    /// <summary>"loading", "ready" or "failed".</summary>
    public string State => Model is not null ? "ready" : Error is not null ? "failed" : "loading";

    /// <summary>The model /predict serves (the configured default, or the only one), null before loading.</summary>
    public string? DefaultName { get; private set; }

    /// <summary>Every loaded model and its versions (empty before loading).</summary>
    public IReadOnlyDictionary<string, ModelHandle[]> Models => _repository?.Models ?? new Dictionary<string, ModelHandle[]>();

    /// <summary>When the last reload ran and what failed in it (file and reason per model), for /health.</summary>
    public IReadOnlyList<string> ReloadErrors { get; private set; } = [];

    /// <summary>Validates the options and loads the models they name; on failure records and rethrows the error.</summary>
    public void Load()
    {
        try
        {
            var settings = options.Value;
            settings.Validate();
            var repository = new ModelRepository(Tensors.Device.Parse(settings.Device), logger,
                ModelLoadPolicy.From(settings), TimeSpan.FromSeconds(settings.LoadTimeoutSeconds));
            if (settings.ModelRepository is { } root) repository.Sync(root, throwOnError: true);
            else repository.LoadSingle(settings.ModelName ?? Path.GetFileNameWithoutExtension(settings.Model!), settings.Model!);
            var names = repository.Models.Keys.Order(StringComparer.Ordinal).ToList();
            string defaultName = settings.DefaultModel ?? (names.Count == 1 ? names[0]
                : throw new ArgumentException($"serving: the repository holds {names.Count} models ({string.Join(", ", names)}); name the one /predict serves with --default-model"));
            if (!repository.Models.ContainsKey(defaultName))
                throw new ArgumentException($"serving: default model '{defaultName}' is not in the repository (it holds {string.Join(", ", names)})");
            _repository = repository;
            DefaultName = defaultName;
            metrics.Ready.Set(1);
        }
        catch (Exception e)
        {
            Error = e.Message;
            throw;
        }
    }

    /// <summary>
    /// Re-reads the repository (or the single model file): new and changed versions are loaded and
    /// swapped in, replaced ones finish their in-flight requests first. Returns the failures (the
    /// previous copy of a model that fails keeps serving); one reload runs at a time.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReloadAsync(string? name = null)
    {
        var repository = _repository ?? throw new InvalidOperationException($"serving: cannot reload, the models are {State}");
        await _reloading.WaitAsync();
        try
        {
            var settings = options.Value;
            IReadOnlyList<string> errors;
            if (settings.ModelRepository is { } root) errors = await Task.Run(() => repository.Sync(root, name));
            else errors = await Task.Run(() => ReloadSingle(repository, settings.Model!));
            if (DefaultName is { } d && !repository.Models.ContainsKey(d)) errors = [.. errors, $"default model '{d}' is no longer loaded: /predict answers 503"];
            foreach (string error in errors) logger.LogError("reload: {Error}", error);
            logger.LogInformation("reload finished: {Models} model(s), {Errors} error(s)", repository.Models.Count, errors.Count);
            metrics.Ready.Set(Model is null ? 0 : 1);
            ReloadErrors = errors;
            return errors;
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>Retires every version of <paramref name="name"/> (in-flight requests finish); false when not loaded.</summary>
    public bool Unload(string name)
    {
        bool unloaded = _repository?.Unload(name) ?? false;
        if (unloaded) metrics.Ready.Set(Model is null ? 0 : 1);
        return unloaded;
    }

    /// <summary>A leased version of <paramref name="name"/> (latest when <paramref name="version"/> is null), or null; release it when done.</summary>
    public ModelHandle? Acquire(string name, string? version = null) => _repository?.Acquire(name, version);

    private List<string> ReloadSingle(ModelRepository repository, string weights)
    {
        string name = repository.Models.Keys.Single();
        var current = repository.Models[name][0];
        if (File.GetLastWriteTimeUtc(weights) <= current.WeightsWritten && File.GetLastWriteTimeUtc(Path.ChangeExtension(weights, ".json")) <= current.WeightsWritten) return [];
        try
        {
            repository.LoadSingle(name, weights);
            current.Retire();
            return [];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [$"model '{name}': {e.Message}"];
        }
    }

    public void Dispose()
    {
        _repository?.Dispose();
        _reloading.Dispose();
    }
}
