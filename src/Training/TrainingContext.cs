using DeepNet.Layers;
using DeepNet.Optimizers;

namespace DeepNet.Training;

/// <summary>What a <see cref="Callback"/> sees of a running <see cref="Trainer.Fit"/>.</summary>
public sealed class TrainingContext
{
    private readonly Action<string> _log;

    internal TrainingContext(Module model, Optimizer optimizer, History history, int epochs, bool hasValidation, Action<string> log, IDataParallel? parallel = null)
    {
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

    /// <summary>Whether Fit got validation data (so "val_*" metrics exist).</summary>
    public bool HasValidation { get; }

    /// <summary>Set to end training after the current epoch (Keras' <c>model.stop_training</c>).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why <see cref="StopTraining"/> was set; shown and kept in <see cref="History.StopReason"/>.</summary>
    public string? StopReason { get; set; }

    /// <summary>Writes a line to the trainer's output (between progress bars).</summary>
    public void Log(string message) => _log(message);
}
