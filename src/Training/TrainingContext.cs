using DeepNet.Layers;
using DeepNet.Optimizers;

namespace DeepNet.Training;

/// <summary>What a <see cref="Callback"/> sees of a running <see cref="Trainer.Fit"/>.</summary>
public sealed class TrainingContext
{
    private readonly Action<string> _log;

    private readonly IReadOnlyList<Metric> _metrics;

    internal TrainingContext(Module model, Optimizer optimizer, History history, int epochs, bool hasValidation,
        IReadOnlyList<Metric> metrics, Action<string> log, IDataParallel? parallel = null)
    {
        _metrics = metrics;
        Parallel = parallel;
        Model = model;
        Optimizer = optimizer;
        History = history;
        Epochs = epochs;
        HasValidation = hasValidation;
        _log = log;
    }

    public Module Model { get; }
    public Optimizer Optimizer { get; }

    /// <summary>The history so far (the current epoch is already in it at OnEpochEnd).</summary>
    public History History { get; }

    /// <summary>The data-parallel group when training under mpirun; null in one process.</summary>
    public IDataParallel? Parallel { get; }

    /// <summary>Whether this process writes files and prints (rank 0, or the only process).</summary>
    public bool IsPrimary => Parallel is null || Parallel.Rank == 0;

    /// <summary>Number of epochs asked for.</summary>
    public int Epochs { get; }

    /// <summary>The epoch running now (1-based); 0 before the first.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Whether Fit got validation data (so "val_*" metrics exist).</summary>
    public bool HasValidation { get; }

    /// <summary>Set to end training after the current epoch (Keras' <c>model.stop_training</c>).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why <see cref="StopTraining"/> was set; shown and kept in <see cref="History.StopReason"/>.</summary>
    public string? StopReason { get; set; }

    /// <summary>
    /// Throws naming <paramref name="owner"/> unless Fit will produce <paramref name="metric"/>
    /// (loss, accuracy, lr, time, a trainer metric, each with "val_" when there is validation data);
    /// returns whether larger values are better.
    /// </summary>
    public bool CheckMetric(string metric, string owner)
    {
        bool validation = metric.StartsWith("val_", StringComparison.Ordinal);
        string name = validation ? metric[4..] : metric;
        if (validation && !HasValidation)
            throw new ArgumentException($"{owner}: monitor '{metric}' needs validation data; pass validation to Fit or monitor '{name}'");
        if (name is "loss") return false;
        if (name is "accuracy" or "acc") return true;
        if (!validation && name is "lr" or "time") return false;
        var found = _metrics.FirstOrDefault(m => m.Name == name);
        if (found is not null) return found.HigherIsBetter;
        var names = new[] { "loss", "accuracy" }.Concat(_metrics.Select(m => m.Name)).ToList();
        throw new ArgumentException($"{owner}: unknown metric '{metric}'; this Fit measures {string.Join(", ", names)}" +
            (HasValidation ? " (and each with val_)" : "") + ", lr and time");
    }

    /// <summary>Writes a line to the trainer's output (between progress bars).</summary>
    public void Log(string message) => _log(message);
}
