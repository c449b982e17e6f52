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
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("serving: --model PATH (the .safetensors file) is required");
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
