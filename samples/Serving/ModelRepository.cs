using System.Text.RegularExpressions;

namespace DeepNet.Serving;

/// <summary>
/// The loaded models, by name and version. A repository folder holds <c>name/version/model.json</c>
/// with <c>model.safetensors</c> beside it (versions are folder names; the highest number is the
/// latest); a single <c>--model</c> file is served as version "1" of its file name. <see cref="Sync"/>
/// loads what is new or changed on disk and retires what was replaced or removed; lookups see one
/// consistent snapshot and take a lease on the version they get.
/// </summary>
public sealed partial class ModelRepository(Tensors.Device device, ILogger logger, ModelLoadPolicy? policy = null, TimeSpan? loadTimeout = null) : IDisposable
{
    private readonly Lock _sync = new();
    private volatile IReadOnlyDictionary<string, ModelHandle[]> _models = new Dictionary<string, ModelHandle[]>();

    /// <summary>Names and versions as loaded now, each name's versions oldest first.</summary>
    public IReadOnlyDictionary<string, ModelHandle[]> Models => _models;

    /// <summary>Loads <paramref name="weightsPath"/> as the only model, named <paramref name="name"/>, version "1".</summary>
    public void LoadSingle(string name, string weightsPath)
    {
        lock (_sync)
        {
            var handle = LoadHandle(name, "1", weightsPath);
            Publish(new Dictionary<string, ModelHandle[]> { [name] = [handle] });
        }
    }

    /// <summary>
    /// Brings the loaded set in line with <paramref name="root"/> (all names, or only <paramref name="only"/>):
    /// loads new and changed versions, retires replaced and removed ones. A version that fails to load
    /// keeps its previous copy when there is one; the failures are returned (file and reason) and,
    /// when <paramref name="throwOnError"/>, thrown together after the rest was applied.
    /// </summary>
    public IReadOnlyList<string> Sync(string root, string? only = null, bool throwOnError = false)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"model repository '{root}' not found");
        var errors = new List<string>();
        lock (_sync)
        {
            var current = _models;
            var next = new Dictionary<string, ModelHandle[]>(current);
            var retired = new List<ModelHandle>();
            var names = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(n => NamePattern().IsMatch(n));
            if (only is not null)
            {
                if (!NamePattern().IsMatch(only)) throw new ArgumentException($"model repository: '{only}' is not a model name (letters, digits, . _ -)");
                names = names.Where(n => n == only);
                if (!Directory.Exists(Path.Combine(root, only))) errors.Add($"model '{only}': no folder '{Path.Combine(root, only)}'");
            }
            foreach (string name in names.ToList())
            {
                current.TryGetValue(name, out var loaded);
                var versions = new List<ModelHandle>();
                foreach (string version in Versions(Path.Combine(root, name)))
                {
                    string weights = Path.Combine(root, name, version, "model.safetensors");
                    var old = loaded?.FirstOrDefault(h => h.Version == version);
                    if (old is not null && old.WeightsWritten == LastWrite(weights))
                    {
                        versions.Add(old);
                        continue;
                    }
                    try
                    {
                        versions.Add(LoadHandle(name, version, weights));
                        if (old is not null) retired.Add(old);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        errors.Add($"model '{name}' version {version}: {e.Message}");
                        if (old is not null) versions.Add(old);
                    }
                }
                retired.AddRange((loaded ?? []).Where(h => !versions.Contains(h)));
                if (versions.Count > 0) next[name] = [.. versions];
                else next.Remove(name);
            }
            if (only is null)
                foreach (string gone in current.Keys.Where(n => !Directory.Exists(Path.Combine(root, n))).ToList())
                {
                    retired.AddRange(current[gone]);
                    next.Remove(gone);
                }
            Publish(next);
            foreach (var handle in retired)
            {
                logger.LogInformation("model {Name} version {Version} retired (disposed once its in-flight requests finish)", handle.Name, handle.Version);
                handle.Retire();
            }
        }
        if (throwOnError && errors.Count > 0) throw new InvalidOperationException(string.Join("; ", errors));
        return errors;
    }

    /// <summary>Retires every version of <paramref name="name"/>; false when it was not loaded.</summary>
    public bool Unload(string name)
    {
        lock (_sync)
        {
            if (!_models.TryGetValue(name, out var handles)) return false;
            var next = new Dictionary<string, ModelHandle[]>(_models);
            next.Remove(name);
            Publish(next);
            foreach (var handle in handles) handle.Retire();
            return true;
        }
    }

    /// <summary>
    /// A leased handle for <paramref name="name"/> at <paramref name="version"/> (null: the latest),
    /// or null when there is no such model or version. The caller releases the lease.
    /// </summary>
    public ModelHandle? Acquire(string name, string? version = null)
    {
        while (true)
        {
            if (!_models.TryGetValue(name, out var handles)) return null;
            var handle = version is null ? handles[^1] : handles.FirstOrDefault(h => h.Version == version);
            if (handle is null) return null;
            if (handle.TryAcquire()) return handle;
            // Disposed between the snapshot and the lease: the snapshot has moved on, look again.
        }
    }

    /// <summary>Version folders of one model, numbers in numeric order, then other names in ordinal order.</summary>
    private static IEnumerable<string> Versions(string folder) => Directory.GetDirectories(folder)
        .Select(Path.GetFileName).OfType<string>()
        .Where(v => NamePattern().IsMatch(v) && File.Exists(Path.Combine(folder, v, "model.safetensors")))
        .OrderBy(v => long.TryParse(v, out long n) ? n : long.MaxValue).ThenBy(v => v, StringComparer.Ordinal);

    private ModelHandle LoadHandle(string name, string version, string weights)
    {
        var written = LastWrite(weights);
        var started = System.Diagnostics.Stopwatch.StartNew();
        // Every version gets the same integrity, size and finiteness checks, within the load timeout.
        var model = loadTimeout is { } timeout
            ? LoadedModel.LoadWithin(weights, device, policy ?? new ModelLoadPolicy(), timeout)
            : LoadedModel.Load(weights, device, policy);
        logger.LogInformation("model {Name} version {Version} loaded from {Path} on {Device} in {Ms:F0} ms: {Task}, input [{Shape}], {Outputs} outputs",
            name, version, weights, device, started.Elapsed.TotalMilliseconds, model.Architecture.Task,
            string.Join(", ", model.Architecture.InputShape), model.OutputWidth);
        return new ModelHandle(name, version, model, weights, written);
    }

    /// <summary>The later write time of the weights and the architecture beside them.</summary>
    private static DateTime LastWrite(string weights)
    {
        var a = File.GetLastWriteTimeUtc(weights);
        var b = File.GetLastWriteTimeUtc(Path.ChangeExtension(weights, ".json"));
        return a > b ? a : b;
    }

    private void Publish(Dictionary<string, ModelHandle[]> next) => _models = next;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NamePattern();

    public void Dispose()
    {
        lock (_sync)
        {
            foreach (var handle in _models.Values.SelectMany(h => h)) handle.Retire();
            _models = new Dictionary<string, ModelHandle[]>();
        }
    }
}
