namespace DeepNet.Serving;

/// <summary>
/// Server settings, from the "Serving" configuration section, environment variables
/// (Serving__MaxBatchSize) or the command line (--model, --device, --max-batch-size, ...).
/// </summary>
public sealed class ServingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Serving";

    /// <summary>The weights file (.safetensors); the architecture is the .json beside it with the same name.</summary>
    public string? Model { get; set; }

    /// <summary>A model repository folder of <c>name/version/model.safetensors</c> (+ model.json); instead of <see cref="Model"/>.</summary>
    public string? ModelRepository { get; set; }

    /// <summary>The v2 name of a single <see cref="Model"/> (default: the file name without extension).</summary>
    public string? ModelName { get; set; }

    /// <summary>The repository model that /predict serves (required when the repository holds more than one).</summary>
    public string? DefaultModel { get; set; }

    /// <summary>When set, /health, /health/live, /metrics and the repository admin endpoints answer only on this port, and inference only on the others.</summary>
    public int? ManagementPort { get; set; }

    /// <summary>API keys accepted on inference (<c>Authorization: Bearer KEY</c> or <c>X-API-Key: KEY</c>); empty: no authentication.</summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Requests each client (API key, else remote address) may make per <see cref="RateLimitWindowSeconds"/>; 0: unlimited.</summary>
    public int RateLimitPermits { get; set; }

    /// <summary>The rate-limit window in seconds.</summary>
    public double RateLimitWindowSeconds { get; set; } = 1;

    /// <summary>Most open connections Kestrel accepts (further ones are refused); 0: unlimited.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Origins allowed to call inference from a browser (CORS); empty: no CORS headers at all.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>cpu, cuda, cuda:N or auto.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Most instances in one forward pass.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>How long the first request of a batch waits for others to join it.</summary>
    public double MaxWaitMs { get; set; } = 2;

    /// <summary>Most instances (not requests) waiting for the model; beyond it requests get 503.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Deadline of one request from its arrival; queued work past it is dropped and answered 503.</summary>
    public double RequestTimeoutMs { get; set; } = 30_000;

    /// <summary>Most parameters an architecture file may declare; checked before anything is allocated.</summary>
    public long MaxParameters { get; set; } = 100_000_000;

    /// <summary>How long loading the model may take before the server gives up and exits.</summary>
    public double LoadTimeoutSeconds { get; set; } = 300;

    /// <summary>Refuse a weights file without a SHA-256 sidecar (model.safetensors.sha256); when false such a file loads with a warning.</summary>
    public bool RequireDigest { get; set; }

    /// <summary>PEM file of the ECDSA P-256 public key model signatures are checked against; null: signatures are not checked.</summary>
    public string? PublicKey { get; set; }

    /// <summary>Load NaN/Inf weights anyway (for diagnosis); such a model's non-finite answers are 500s.</summary>
    public bool AllowNonFiniteWeights { get; set; }

    /// <summary>Most instances in one request (at most <see cref="MaxBatchSize"/>).</summary>
    public int MaxInstances { get; set; } = 64;

    /// <summary>Largest accepted request body in bytes; larger bodies get 413.</summary>
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model) == string.IsNullOrWhiteSpace(ModelRepository))
            throw new ArgumentException("serving: give exactly one of --model PATH (a .safetensors file) or --model-repository DIR (name/version/ folders)");
        if (ManagementPort is < 1 or > 65535) throw new ArgumentException($"serving: management port must be in 1..65535, got {ManagementPort}");
        if (RateLimitPermits < 0) throw new ArgumentException($"serving: rate limit permits must be >= 0, got {RateLimitPermits}");
        if (RateLimitWindowSeconds <= 0 || !double.IsFinite(RateLimitWindowSeconds))
            throw new ArgumentException($"serving: rate limit window must be > 0 s, got {RateLimitWindowSeconds}");
        if (MaxConnections < 0) throw new ArgumentException($"serving: max connections must be >= 0, got {MaxConnections}");
        if (ApiKeys.Any(k => k.Length < 16)) throw new ArgumentException("serving: every API key must be at least 16 characters");
        if (MaxBatchSize < 1) throw new ArgumentException($"serving: max batch size must be at least 1, got {MaxBatchSize}");
        if (MaxWaitMs < 0 || !double.IsFinite(MaxWaitMs)) throw new ArgumentException($"serving: max wait must be >= 0 ms, got {MaxWaitMs}");
        if (QueueCapacity < 1) throw new ArgumentException($"serving: queue capacity must be at least 1, got {QueueCapacity}");
        if (MaxInstances < 1 || MaxInstances > MaxBatchSize)
            throw new ArgumentException($"serving: max instances per request must be in 1..{MaxBatchSize} (the max batch size), got {MaxInstances}");
        if (QueueCapacity < MaxInstances)
            throw new ArgumentException($"serving: queue capacity ({QueueCapacity} instances) must hold one request of max instances ({MaxInstances})");
        if (!(RequestTimeoutMs > 0)) throw new ArgumentException($"serving: request timeout must be > 0 ms, got {RequestTimeoutMs}");
        if (MaxParameters < 1) throw new ArgumentException($"serving: max parameters must be at least 1, got {MaxParameters}");
        if (!(LoadTimeoutSeconds > 0)) throw new ArgumentException($"serving: load timeout must be > 0 s, got {LoadTimeoutSeconds}");
        if (MaxBodyBytes < 1024) throw new ArgumentException($"serving: max body size must be at least 1024 bytes, got {MaxBodyBytes}");
    }

    /// <summary>Command-line switches and the configuration keys they set.</summary>
    public static Dictionary<string, string> SwitchMappings { get; } = new()
    {
        ["--model"] = $"{Section}:Model",
        ["--model-repository"] = $"{Section}:ModelRepository",
        ["--model-name"] = $"{Section}:ModelName",
        ["--default-model"] = $"{Section}:DefaultModel",
        ["--management-port"] = $"{Section}:ManagementPort",
        ["--rate-limit-permits"] = $"{Section}:RateLimitPermits",
        ["--rate-limit-window-s"] = $"{Section}:RateLimitWindowSeconds",
        ["--max-connections"] = $"{Section}:MaxConnections",
        ["--device"] = $"{Section}:Device",
        ["--max-batch-size"] = $"{Section}:MaxBatchSize",
        ["--max-wait-ms"] = $"{Section}:MaxWaitMs",
        ["--queue-capacity"] = $"{Section}:QueueCapacity",
        ["--max-instances"] = $"{Section}:MaxInstances",
        ["--max-body-bytes"] = $"{Section}:MaxBodyBytes",
        ["--request-timeout-ms"] = $"{Section}:RequestTimeoutMs",
        ["--max-parameters"] = $"{Section}:MaxParameters",
        ["--load-timeout-s"] = $"{Section}:LoadTimeoutSeconds",
        ["--require-digest"] = $"{Section}:RequireDigest",
        ["--public-key"] = $"{Section}:PublicKey",
    };
}
