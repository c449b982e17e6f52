using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;

namespace DeepNet.Training;

public sealed partial class Trainer
{
    private bool _warnedNaN;

    /// <summary>Forward, loss, backward, clipping and step for one batch; the reason when a NaN/Inf stops training.</summary>
    private (double Loss, Tensor Output, string? NanStop) TrainStep(TrainingContext context, Loss loss, Batch batch, long samplesBefore)
    {
        Tensor output, value;
        using (Autocast is { } dtype ? Autograd.Autocast.Enable(dtype) : null)
        {
            output = context.Model.Call(batch.Input);
            value = loss.Forward(output, batch.Target);
        }
        double lossValue = HostValues.Scalar(value);
        string where = $"epoch {context.Epoch}, batch {batch.Index + 1} (after {samplesBefore} samples)";
        if (!double.IsFinite(lossValue))
        {
            string problem = $"loss is {lossValue} at {where}{NanGuard.Diagnose(batch.Input)}";
            if (TerminateOnNaN) return (lossValue, output, $"terminate_on_nan: {problem}; training stopped before this batch's step, so the weights are still finite");
            WarnOnce(context.History, problem + "; TerminateOnNaN is off, so training goes on and the weights may become NaN");
        }
        context.Optimizer.ZeroGrad();
        var scaler = ActiveScaler;
        (scaler?.Scale(value) ?? value).Backward();
        _parallel?.SynchronizeGradients();   // data-parallel: average the gradients across ranks before clipping and the step
        scaler?.Unscale(context.Optimizer);   // clip and step the true gradients; an overflow is recorded here
        var parameters = context.Model.Parameters();
        if (ClipGradValue is { } clipValue) GradClip.ClipGradValue(parameters, clipValue);
        if (ClipGradNorm is { } maxNorm)
        {
            double norm = GradClip.ClipGradNorm(parameters, maxNorm, errorIfNonfinite: false);
            if (!double.IsFinite(norm) && scaler is not null)
            {
                // float16 overflow under loss scaling: the scaler skips this step and backs off (not a NaN stop).
                scaler.Step(context.Optimizer);
                scaler.Update();
                return (lossValue, output, null);
            }
            if (!double.IsFinite(norm))
            {
                string problem = $"gradient norm is {norm} at {where} (loss {lossValue:G6}){NanGuard.Diagnose(batch.Input)}";
                if (TerminateOnNaN) return (lossValue, output, $"terminate_on_nan: {problem}; training stopped before this batch's step");
                WarnOnce(context.History, problem + "; the step of every such batch is skipped");
                return (lossValue, output, null);
            }
        }
        if (scaler is null) context.Optimizer.Step();
        else
        {
            scaler.Step(context.Optimizer);
            scaler.Update();
        }
        return (lossValue, output, null);
    }

    private void WarnOnce(History history, string warning)
    {
        if (_warnedNaN) return;
        _warnedNaN = true;
        Warn(history, warning);
    }

    /// <summary>
    /// Mean loss of <paramref name="model"/> over <paramref name="data"/> (with accuracy for
    /// classification, or the trainer's <see cref="Metrics"/>), in eval mode without gradients.
    /// A NaN/Inf batch loss prints a warning naming the batch.
    /// </summary>
    public Evaluation Evaluate(Module model, Loss loss, DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(data);
        RequireTargets("evaluate", data);
        bool wasTraining = model.IsTraining;
        model.Eval();
        data.Device = model.Device;
        var meter = new MetricMeter(Metrics);
        bool warned = false;
        try
        {
            using var noGrad = GradMode.NoGrad();
            foreach (var batch in data)
                using (batch)
                using (new DisposeScope())
                {
                    Tensor output;
                    double value;
                    using (Autocast is { } dtype ? Autograd.Autocast.Enable(dtype) : null)
                    {
                        output = model.Call(batch.Input);
                        value = HostValues.Scalar(loss.Forward(output, batch.Target));
                    }
                    if (!double.IsFinite(value) && !warned)
                    {
                        warned = true;
                        _progress.WriteLine($"warning: evaluate: loss is {value} at batch {batch.Index + 1}{NanGuard.Diagnose(batch.Input)}");
                    }
                    meter.Add(value, output, batch.Target);
                }
        }
        finally
        {
            model.Train(wasTraining);
        }
        meter.SumAcrossRanks(_parallel);   // data-parallel: every rank must evaluate (the sums are reduced)
        return meter.Result();
    }

    /// <summary>
    /// The model's outputs for every sample of <paramref name="data"/>, in order, in eval mode
    /// without gradients: one CPU tensor [N, ..] the caller owns. Targets are not needed (an
    /// unlabeled <c>new Dataset(features, sampleShape)</c>) and ignored if present. Use an unshuffled loader.
    /// </summary>
    public Tensor Predict(Module model, DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = model.IsTraining;
        model.Eval();
        data.Device = model.Device;
        // Each batch's outputs in their own dtype (a Float64 model predicts Float64), joined on the CPU at the end.
        var parts = new List<Tensor>();
        try
        {
            using var noGrad = GradMode.NoGrad();
            foreach (var batch in data)
                using (batch)
                using (new DisposeScope())
                {
                    var output = model.Call(batch.Input);
                    parts.Add(Tensor.FromHostArray(output.ToHostArray(), output.Shape.ToArray()).DetachFromScope());
                }
            if (parts.Count == 0) return Tensor.Zeros([0]).DetachFromScope();
            if (parts.Count == 1)
            {
                var only = parts[0];
                parts.Clear();   // handed to the caller, not disposed below
                return only;
            }
            return Tensor.Cat([.. parts], 0).DetachFromScope();
        }
        finally
        {
            model.Train(wasTraining);
            foreach (var part in parts) part.Dispose();
        }
    }

    /// <summary>
    /// The model's outputs for <paramref name="inputs"/> [N, ..] (Keras' <c>model.predict(x)</c>),
    /// run in batches of <paramref name="batchSize"/> in eval mode without gradients: one CPU tensor [N, ..] the caller owns.
    /// </summary>
    public Tensor Predict(Module model, Tensor inputs, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rank == 0) throw new ArgumentException($"predict: inputs need a batch dim [N, ..], got a scalar");
        var data = Dataset.FromTensors(inputs);
        return Predict(model, new DataLoader(data, batchSize, prefetch: 0));
    }
}
