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

    /// <summary>Most requests waiting for the model; beyond it requests get 503.</summary>
    public int QueueCapacity { get; set; } = 1024;

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
    };
}
