using DeepNet.Autograd;
using DeepNet.Tensors;
using DeepNet.Layers.Losses;

namespace DeepNet.Training;

/// <summary>
/// Running sums over an epoch: loss weighted by batch size (losses are batch means) and, when
/// outputs are logits [B, C] against class indices [B], the number of correct arg-max predictions.
/// </summary>
internal sealed class MetricMeter
{
    private double _lossSum;
    private long _correct;
    private long _samples;
    private bool _classification = true;

    public long Samples => _samples;

    /// <summary>Adds one batch: its mean loss, its outputs (null to skip accuracy) and its targets.</summary>
    public void Add(Tensor loss, Tensor? output, Tensor target)
    {
        int count = target.Shape[0];
        _lossSum += loss.Item() * count;
        _samples += count;
        if (output is null || !IsClassification(output, target))
        {
            _classification = false;
            return;
        }
        using var noGrad = GradMode.NoGrad();
        using var predicted = output.ArgMax(1);
        using var hits = predicted.Eq(target);
        using var correct = hits.Sum();
        _correct += (long)correct.Item();
    }

    /// <summary>Logits [B, C] with C > 1 against one class index per sample.</summary>
    public static bool IsClassification(Tensor output, Tensor target) =>
        output.Rank == 2 && output.Shape[1] > 1 && target.Rank == 1 && target.Shape[0] == output.Shape[0];

    public double Loss => _samples == 0 ? double.NaN : _lossSum / _samples;

    public double? Accuracy => _classification && _samples > 0 ? (double)_correct / _samples : null;

    /// <summary>Sums the counts over the ranks of data-parallel training, so every rank reports the global epoch.</summary>
    public void SumAcrossRanks(IDataParallel? parallel)
    {
        if (parallel is null || parallel.WorldSize == 1) return;
        double[] values = [_lossSum, _correct, _samples, _classification ? 0 : 1];
        parallel.SumAcrossRanks(values);
        (_lossSum, _correct, _samples, _classification) = (values[0], (long)values[1], (long)values[2], values[3] == 0);
    }

    public StepStatus Status(int batch, int batches, TimeSpan elapsed) => new(batch, batches, _samples, Loss, Accuracy, elapsed);

    public Evaluation Result() => new(Loss, Accuracy, (int)_samples);
}
