using DeepNet.Layers.Losses;

namespace DeepNet.Training;

/// <summary>
/// What one epoch of <see cref="Trainer.Fit"/> measured: mean training loss (and accuracy for
/// classification), the same on the validation data when there is some, and the wall time.
/// Keras names the values "loss", "accuracy", "val_loss", "val_accuracy"; callbacks monitor
/// them by those names.
/// </summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean training loss over the epoch's samples.</param>
/// <param name="Accuracy">Fraction of training samples whose arg-max class is the target; null unless classification.</param>
/// <param name="ValLoss">Mean validation loss; null without validation data.</param>
/// <param name="ValAccuracy">Validation accuracy; null without validation data or unless classification.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="LearningRate">The optimizer's learning rate at the end of the epoch.</param>
public sealed record EpochMetrics(int Epoch, double Loss, double? Accuracy, double? ValLoss, double? ValAccuracy, double Seconds, double LearningRate)
{
    /// <summary>The names <see cref="Get"/> accepts, in CSV column order.</summary>
    public static IReadOnlyList<string> MetricNames { get; } = ["loss", "accuracy", "val_loss", "val_accuracy"];

    /// <summary>
    /// The values of the trainer's <see cref="Metric"/>s by name ("precision", "val_precision",
    /// "mae", ...); "accuracy" and "val_accuracy" are in <see cref="Accuracy"/> and <see cref="ValAccuracy"/>.
    /// </summary>
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// A value by its Keras name ("loss", "accuracy", "val_loss", "val_accuracy", "time", "lr", or
    /// a metric's name such as "f1_score", "val_mae"); null when not measured.
    /// </summary>
    public double? Get(string name) => name switch
    {
        "loss" => Loss,
        "accuracy" or "acc" => Accuracy,
        "val_loss" => ValLoss,
        "val_accuracy" or "val_acc" => ValAccuracy,
        "time" => Seconds,
        "lr" => LearningRate,
        _ when Values.TryGetValue(name, out double value) => value,
        _ => throw new ArgumentException($"metrics: unknown metric '{name}' (this epoch has loss, accuracy, val_loss, val_accuracy, time, lr{string.Concat(Values.Keys.Select(k => ", " + k))})"),
    };

    /// <summary>One line for the console: "epoch 3/5 - 41.2s - loss: 0.0412 - accuracy: 0.9871 - val_loss: ...".</summary>
    public string Summary(int epochs)
    {
        var parts = new List<string> { $"epoch {Epoch}/{epochs}", $"{Seconds:F1}s", $"loss: {Loss:F4}" };
        if (Accuracy is { } acc) parts.Add($"accuracy: {acc:F4}");
        parts.AddRange(Values.Where(v => !v.Key.StartsWith("val_", StringComparison.Ordinal)).Select(v => $"{v.Key}: {v.Value:F4}"));
        if (ValLoss is { } vl) parts.Add($"val_loss: {vl:F4}");
        if (ValAccuracy is { } va) parts.Add($"val_accuracy: {va:F4}");
        parts.AddRange(Values.Where(v => v.Key.StartsWith("val_", StringComparison.Ordinal)).Select(v => $"{v.Key}: {v.Value:F4}"));
        return string.Join(" - ", parts);
    }
}
