using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// Running sums over an epoch: loss weighted by batch size (losses are batch means) and either
/// the trainer's <see cref="Metric"/>s or, when it has none, accuracy for logits [B, C] against
/// class indices [B] or one-hot rows [B, C] (the number of correct arg-max predictions).
/// </summary>
internal sealed class MetricMeter
{
    private readonly IReadOnlyList<Metric>? _metrics;
    private double _lossSum;
    private long _correct;
    private long _samples;
    private bool _classification = true;

    /// <summary>A meter for <paramref name="metrics"/> (reset here); null measures accuracy automatically.</summary>
    public MetricMeter(IReadOnlyList<Metric>? metrics = null)
    {
        _metrics = metrics is { Count: > 0 } ? metrics : null;
        foreach (var metric in _metrics ?? []) metric.Reset();
    }

    public long Samples => _samples;

    /// <summary>Adds one batch: its mean loss, its outputs and its targets.</summary>
    public void Add(double loss, Tensor output, Tensor target)
    {
        int count = target.Shape[0];
        _lossSum += loss * count;
        _samples += count;
        using var noGrad = GradMode.NoGrad();
        // Autocast outputs are 16-bit: metrics read float32 (an exact widening).
        using var widened = output.DType is DType.BFloat16 or DType.Float16 ? output.To(DType.Float32) : null;
        output = widened ?? output;
        if (_metrics is not null)
        {
            foreach (var metric in _metrics) metric.Update(output, target);
            return;
        }
        if (!_classification || !IsClassification(output, target))
        {
            _classification = false;
            return;
        }
        using var scope = new DisposeScope();
        var labels = target.Rank == 1 ? target : target.ArgMax(1);
        _correct += output.ArgMax(1).Eq(labels).Sum().Item<long>();
    }

    /// <summary>Logits [B, C] with C > 1 against one class index per sample or one-hot/probability rows [B, C].</summary>
    public static bool IsClassification(Tensor output, Tensor target) =>
        output.Rank == 2 && output.Shape[1] > 1 && target.Shape[0] == output.Shape[0]
        && (target.Rank == 1 || (target.Rank == 2 && target.Shape[1] == output.Shape[1]));

    public double Loss => _samples == 0 ? double.NaN : _lossSum / _samples;

    public double? Accuracy => _metrics is not null
        ? _metrics.FirstOrDefault(m => m.Name == "accuracy")?.Result()
        : _classification && _samples > 0 ? (double)_correct / _samples : null;

    /// <summary>Every metric but accuracy (which has its own field), by name.</summary>
    public Dictionary<string, double> Values(string prefix = "") =>
        (_metrics ?? []).Where(m => m.Name != "accuracy").ToDictionary(m => prefix + m.Name, m => m.Result());

    /// <summary>Sums the counts over the ranks of data-parallel training, so every rank reports the global epoch.</summary>
    public void SumAcrossRanks(IDataParallel? parallel)
    {
        if (parallel is null || parallel.WorldSize == 1) return;
        double[] values = [_lossSum, _correct, _samples, _classification ? 0 : 1];
        parallel.SumAcrossRanks(values);
        (_lossSum, _correct, _samples, _classification) = (values[0], (long)values[1], (long)values[2], values[3] == 0);
    }

    public StepStatus Status(int batch, int batches, TimeSpan elapsed) => new(batch, batches, _samples, Loss, Accuracy, elapsed);

    public Evaluation Result() => new(Loss, Accuracy, (int)_samples) { Metrics = Values() };
}
