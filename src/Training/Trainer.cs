using System.Diagnostics;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Layers.Losses;
using DeepNet.Autograd;

namespace DeepNet.Training;

/// <summary>
/// Keras-style training loop: <see cref="Fit"/>, <see cref="Evaluate"/>, <see cref="Predict"/>.
/// Each step runs in its own <see cref="DisposeScope"/>, so memory stays flat over an epoch.
/// Progress is a live bar on a terminal and plain lines otherwise, with a one-line summary per
/// epoch. Ctrl+C during Fit ends the current epoch at the next batch (that epoch is not recorded
/// and no checkpoint is written for it); a second Ctrl+C ends the process as usual.
/// </summary>
public sealed class Trainer
{
    private readonly ProgressReporter _progress;
    private readonly IDataParallel? _parallel;
    private volatile bool _stopRequested;

    /// <summary>
    /// A trainer writing to <paramref name="output"/> (default: the console). The live bar is used
    /// when <paramref name="interactive"/> is true, by default when output is the console and
    /// stdout is a terminal. <paramref name="verbose"/> = false prints nothing. With
    /// <paramref name="parallel"/> (DistributedDataParallel under mpirun) gradients are averaged
    /// across ranks before each step, metrics are summed across ranks, and only rank 0 prints.
    /// </summary>
    public Trainer(TextWriter? output = null, bool? interactive = null, bool verbose = true, IDataParallel? parallel = null)
    {
        bool console = output is null;
        output ??= Console.Out;
        bool live = interactive ?? (console && !Console.IsOutputRedirected);
        _parallel = parallel;
        verbose &= parallel is null || parallel.Rank == 0;
        _progress = verbose ? ProgressReporter.Create(output, live) : new PlainProgress(TextWriter.Null);
    }

    /// <summary>Asks a running <see cref="Fit"/> to end its current epoch at the next batch (what Ctrl+C does).</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>
    /// Trains <paramref name="model"/> for <paramref name="epochs"/> passes over <paramref name="train"/>,
    /// minimizing <paramref name="loss"/> with <paramref name="optimizer"/>, evaluating on
    /// <paramref name="validation"/> after each epoch. The loaders are moved to the model's device.
    /// Accuracy is measured when outputs are logits [N, C] and targets class indices [N].
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
        var history = new History();
        var context = new TrainingContext(model, optimizer, history, epochs, validation is not null, _progress.WriteLine, _parallel);
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
            if (context.StopTraining && context.StopReason is not null) _progress.WriteLine(context.StopReason);
            history.StopReason ??= context.StopReason;
            foreach (var callback in callbacks) callback.OnTrainEnd(context);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        return history;
    }

    /// <summary>One epoch with its validation and callbacks; false when interrupted.</summary>
    private bool RunEpoch(TrainingContext context, Loss loss, DataLoader train, DataLoader? validation, int epoch, Callback[] callbacks)
    {
        var clock = Stopwatch.StartNew();
        string label = $"epoch {epoch}/{context.Epochs}";
        var result = TrainEpoch(context.Model, loss, context.Optimizer, train, label);
        // Samples are summed over the ranks (each ran its own loader of SampleCount).
        if (_stopRequested && result.Samples < (long)train.SampleCount * (_parallel?.WorldSize ?? 1))
        {
            context.History.Interrupted = true;
            context.History.StopReason = $"interrupted during epoch {epoch} after {result.Samples}/{train.SampleCount} samples; the last checkpoint is kept";
            _progress.WriteLine(context.History.StopReason);
            return false;
        }
        var val = validation is null ? null : Evaluate(context.Model, loss, validation);
        var metrics = new EpochMetrics(epoch, result.Loss, result.Accuracy, val?.Loss, val?.Accuracy,
            clock.Elapsed.TotalSeconds, context.Optimizer.LearningRate);
        context.History.Add(metrics);
        _progress.WriteLine(metrics.Summary(context.Epochs));
        foreach (var callback in callbacks) callback.OnEpochEnd(context, metrics);
        if (!_stopRequested) return true;
        context.History.Interrupted = true;
        context.History.StopReason = $"interrupted after epoch {epoch}";
        _progress.WriteLine(context.History.StopReason);
        return false;
    }

    private Evaluation TrainEpoch(Module model, Loss loss, Optimizer optimizer, DataLoader train, string label)
    {
        model.Train();
        train.Device = model.Device;
        var meter = new MetricMeter();
        var clock = Stopwatch.StartNew();
        _progress.RunEpoch(label, train.BatchCount, report =>
        {
            foreach (var batch in train)
            {
                using (batch)
                using (new DisposeScope())
                {
                    var output = model.Forward(batch.Input);
                    var value = loss.Forward(output, batch.Target);
                    optimizer.ZeroGrad();
                    value.Backward();
                    _parallel?.SynchronizeGradients();
                    optimizer.Step();
                    meter.Add(value, output, batch.Target);
                }
                report(meter.Status(batch.Index + 1, train.BatchCount, clock.Elapsed));
                if (_stopRequested) break;
            }
        });
        meter.SumAcrossRanks(_parallel);
        return meter.Result();
    }

    /// <summary>
    /// Mean loss (and accuracy for classification) of <paramref name="model"/> over <paramref name="data"/>,
    /// in eval mode without gradients. Data-parallel: every rank must call it (sums are reduced
    /// across ranks); give each a shard, or all the same data (the mean is then unchanged).
    /// </summary>
    public Evaluation Evaluate(Module model, Loss loss, DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = model.IsTraining;
        model.Eval();
        data.Device = model.Device;
        var meter = new MetricMeter();
        try
        {
            using var noGrad = GradMode.NoGrad();
            foreach (var batch in data)
                using (batch)
                using (new DisposeScope())
                {
                    var output = model.Forward(batch.Input);
                    meter.Add(loss.Forward(output, batch.Target), output, batch.Target);
                }
        }
        finally
        {
            model.Train(wasTraining);
        }
        meter.SumAcrossRanks(_parallel);
        return meter.Result();
    }

    /// <summary>
    /// The model's outputs for every sample of <paramref name="data"/>, in order, in eval mode
    /// without gradients: one CPU tensor [N, ..] the caller owns. Use an unshuffled loader.
    /// </summary>
    public Tensor Predict(Module model, DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = model.IsTraining;
        model.Eval();
        data.Device = model.Device;
        var values = new List<float>();
        int[]? rowShape = null;
        int rows = 0;
        try
        {
            using var noGrad = GradMode.NoGrad();
            foreach (var batch in data)
                using (batch)
                using (new DisposeScope())
                {
                    var output = model.Forward(batch.Input);
                    rowShape ??= output.Shape.ToArray()[1..];
                    values.AddRange(output.ToArray());
                    rows += output.Shape[0];
                }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return Tensor.FromArray(values.ToArray(), [rows, .. rowShape ?? []]).DetachFromScope();
    }
}
