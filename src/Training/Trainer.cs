using System.Diagnostics;
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// Keras-style training loop: <see cref="Fit"/>, <see cref="Evaluate"/>, <see cref="Predict(Module, DataLoader)"/>.
/// Each step runs in its own <see cref="DisposeScope"/>, so memory stays flat over an epoch.
/// Progress is a live bar on a terminal and plain lines otherwise, with a one-line summary per
/// epoch. A NaN or infinite loss stops Fit before that batch's step (<see cref="TerminateOnNaN"/>).
/// Ctrl+C during Fit ends the current epoch at the next batch (that epoch is not recorded
/// and no checkpoint is written for it); a second Ctrl+C ends the process as usual.
/// </summary>
public sealed partial class Trainer
{
    private readonly ProgressReporter _progress;
    private readonly IDataParallel? _parallel;
    private volatile bool _stopRequested;
    private double? _clipGradNorm;
    private double? _clipGradValue;
    private DType? _autocast;

    /// <summary>
    /// A trainer writing to <paramref name="output"/> (default: the console). The live bar is used
    /// when <paramref name="interactive"/> is true, by default when output is the console and
    /// stdout is a terminal. <paramref name="verbose"/> = false prints nothing. With
    /// <paramref name="metrics"/> (Keras' <c>compile(metrics=[...])</c>) exactly those are measured on
    /// the training and validation data; without, accuracy is measured for classification. With
    /// <paramref name="parallel"/> (DistributedDataParallel under mpirun) gradients are averaged
    /// across ranks before each step, loss and accuracy are summed across ranks, and only rank 0 prints.
    /// </summary>
    public Trainer(TextWriter? output = null, bool? interactive = null, bool verbose = true, IEnumerable<Metric>? metrics = null,
        IDataParallel? parallel = null)
    {
        bool console = output is null;
        output ??= Console.Out;
        bool live = interactive ?? (console && !Console.IsOutputRedirected);
        _parallel = parallel;
        verbose &= parallel is null || parallel.Rank == 0;
        _progress = verbose ? ProgressReporter.Create(output, live) : new PlainProgress(TextWriter.Null);
        Metrics = metrics?.ToList() ?? [];
        var duplicate = Metrics.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1 || g.Key is "loss" or "lr" or "time");
        if (duplicate is not null)
            throw new ArgumentException($"trainer: metric name '{duplicate.Key}' is used twice or is reserved (loss, lr, time)");
    }

    /// <summary>The metrics measured besides the loss; empty means accuracy for classification.</summary>
    public IReadOnlyList<Metric> Metrics { get; }

    /// <summary>Clips the global 2-norm of the gradients to this value before each step (clip_grad_norm_); null: off.</summary>
    public double? ClipGradNorm
    {
        get => _clipGradNorm;
        set => _clipGradNorm = value is null || value > 0 && double.IsFinite(value.Value) ? value
            : throw new ArgumentException($"trainer: clip_grad_norm must be a finite number > 0, got {value}");
    }

    /// <summary>Clamps every gradient element into [-value, value] before each step (clip_grad_value_); null: off.</summary>
    public double? ClipGradValue
    {
        get => _clipGradValue;
        set => _clipGradValue = value is null || value > 0 && double.IsFinite(value.Value) ? value
            : throw new ArgumentException($"trainer: clip_grad_value must be a finite number > 0, got {value}");
    }

    /// <summary>
    /// Train and evaluate with mixed precision (torch.autocast; docs/mixed-precision.md): the forward
    /// pass and the loss run inside <c>Autocast.Enable(dtype)</c>, BFloat16 or Float16, while the
    /// parameters and their gradients stay float32. Float16 also scales the loss (<see cref="GradScaler"/>,
    /// made with torch's defaults when none is set). Null (the default): float32.
    /// </summary>
    public DType? Autocast
    {
        get => _autocast;
        set => _autocast = value is null or DType.BFloat16 or DType.Float16 ? value
            : throw new ArgumentException($"trainer: autocast must be BFloat16 or Float16 (or null for float32), got {value}");
    }

    /// <summary>
    /// Dynamic loss scaling for each training step (Scale, Unscale before clipping, Step, Update). Set it to
    /// keep the scaler across Fit calls or to read its scale; with <see cref="Autocast"/> = Float16 and none set,
    /// Fit makes one. A step whose gradients overflow is skipped (and the scale halved), not a NaN stop.
    /// </summary>
    public GradScaler? GradScaler { get; set; }

    private GradScaler? ActiveScaler => GradScaler ??= _autocast == DType.Float16 ? new GradScaler() : null;

    /// <summary>
    /// Stop Fit when a batch's loss (or, with clipping, its gradient norm) is NaN or infinite, before
    /// that batch's step, so the weights stay finite (Keras' TerminateOnNaN). On by default; off, the
    /// batch is still stepped and a warning is printed once.
    /// </summary>
    public bool TerminateOnNaN { get; set; } = true;

    /// <summary>Asks a running <see cref="Fit"/> to end its current epoch at the next batch (what Ctrl+C does).</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>
    /// Trains <paramref name="model"/> for <paramref name="epochs"/> passes over <paramref name="train"/>,
    /// minimizing <paramref name="loss"/> with <paramref name="optimizer"/>, evaluating on
    /// <paramref name="validation"/> after each epoch. The loaders are moved to the model's device.
    /// Accuracy is measured when outputs are logits [N, C] and targets class indices [N] or one-hot rows [N, C].
    /// </summary>
    public History Fit(Module model, Loss loss, Optimizer optimizer, DataLoader train, int epochs,
        DataLoader? validation = null, params Callback[] callbacks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 0) throw new ArgumentException($"fit: epochs must be >= 0, got {epochs}");
        if (_parallel is not null && !ReferenceEquals(_parallel.Module, model))
            throw new ArgumentException("fit: the trainer's data-parallel group synchronizes a different model than the one given to Fit");
        RequireTargets("fit", train);
        if (validation is not null) RequireTargets("fit (validation)", validation);
        var history = new History();
        var context = new TrainingContext(model, optimizer, history, epochs, validation is not null, Metrics, _progress.WriteLine, _parallel);
        if (NanGuard.SoftmaxBeforeCrossEntropy(model, loss) is { } softmax) Warn(history, softmax);
        _stopRequested = false;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (_stopRequested) return;  // second Ctrl+C: let the process end
            e.Cancel = true;
            _stopRequested = true;
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            foreach (var callback in callbacks) callback.OnTrainBegin(context);
            for (int epoch = 1; epoch <= epochs && !context.StopTraining; epoch++)
                if (!RunEpoch(context, loss, train, validation, epoch, callbacks)) break;
            if (context.StopTraining && context.StopReason is not null && history.StopReason is null) _progress.WriteLine(context.StopReason);
            history.StopReason ??= context.StopReason;
            foreach (var callback in callbacks) callback.OnTrainEnd(context);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        return history;
    }

    private static void RequireTargets(string op, DataLoader data)
    {
        if (!data.Dataset.HasTargets)
            throw new ArgumentException($"{op}: the dataset has no targets (unlabeled data); give it targets to train or evaluate, or call Predict");
    }

    private void Warn(History history, string warning)
    {
        history.AddWarning(warning);
        _progress.WriteLine("warning: " + warning);
    }

    /// <summary>One epoch with its validation and callbacks; false when interrupted or stopped by a NaN.</summary>
    private bool RunEpoch(TrainingContext context, Loss loss, DataLoader train, DataLoader? validation, int epoch, Callback[] callbacks)
    {
        var clock = Stopwatch.StartNew();
        context.Epoch = epoch;
        var (result, nanStop) = TrainEpoch(context, loss, train, callbacks);
        if (nanStop is not null)
        {
            context.History.StopReason = nanStop;
            _progress.WriteLine(nanStop);
            return false;
        }
        // Samples are summed over the ranks (each ran its own loader of SampleCount).
        if (_stopRequested && result.Samples < (long)train.SampleCount * (_parallel?.WorldSize ?? 1))
        {
            context.History.Interrupted = true;
            context.History.StopReason = $"interrupted during epoch {epoch} after {result.Samples}/{train.SampleCount} samples{CheckpointNote(callbacks)}";
            _progress.WriteLine(context.History.StopReason);
            return false;
        }
        var val = validation is null ? null : Evaluate(context.Model, loss, validation);
        var values = new Dictionary<string, double>(result.Metrics);
        foreach (var (name, value) in val?.Metrics ?? new Dictionary<string, double>()) values["val_" + name] = value;
        var metrics = new EpochMetrics(epoch, result.Loss, result.Accuracy, val?.Loss, val?.Accuracy,
            clock.Elapsed.TotalSeconds, context.Optimizer.LearningRate) { Values = values };
        context.History.Add(metrics);
        _progress.WriteLine(metrics.Summary(context.Epochs));
        foreach (var callback in callbacks) callback.OnEpochEnd(context, metrics);
        if (!_stopRequested) return true;
        context.History.Interrupted = true;
        context.History.StopReason = $"interrupted after epoch {epoch}{CheckpointNote(callbacks)}";
        _progress.WriteLine(context.History.StopReason);
        return false;
    }

    /// <summary>"; out/best.safetensors holds epoch 2" for each checkpoint written, nothing when none was.</summary>
    private static string CheckpointNote(Callback[] callbacks) => string.Concat(callbacks.OfType<ModelCheckpoint>()
        .Where(c => c.SavedEpoch > 0).Select(c => $"; {c.Path} holds epoch {c.SavedEpoch}"));

    /// <summary>The epoch's training pass; the reason when a NaN/Inf stopped it.</summary>
    private (Evaluation Result, string? NanStop) TrainEpoch(TrainingContext context, Loss loss, DataLoader train, Callback[] callbacks)
    {
        var model = context.Model;
        model.Train();
        train.Device = model.Device;
        var meter = new MetricMeter(Metrics);
        var clock = Stopwatch.StartNew();
        string? nanStop = null;
        _progress.RunEpoch($"epoch {context.Epoch}/{context.Epochs}", train.BatchCount, report =>
        {
            foreach (var batch in train)
            {
                using (batch)
                {
                    foreach (var callback in callbacks) callback.OnBatchBegin(context, batch.Index);
                    double value;
                    using (new DisposeScope())
                    {
                        (value, var output, nanStop) = TrainStep(context, loss, batch, meter.Samples);
                        if (nanStop is not null) break;
                        meter.Add(value, output, batch.Target);
                    }
                    foreach (var callback in callbacks) callback.OnBatchEnd(context, batch.Index, value);
                }
                report(meter.Status(batch.Index + 1, train.BatchCount, clock.Elapsed));
                if (_stopRequested || context.StopTraining) break;
            }
        });
        meter.SumAcrossRanks(_parallel);
        return (meter.Result(), nanStop);
    }
}
