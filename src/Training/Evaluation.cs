namespace DeepNet.Training;

/// <summary>The result of <see cref="Trainer.Evaluate"/>: mean loss over the samples, and accuracy for classification.</summary>
/// <param name="Loss">Loss averaged over samples (batch means weighted by batch size).</param>
/// <param name="Accuracy">Fraction of samples whose arg-max class equals the target; null unless classification.</param>
/// <param name="Samples">Number of samples evaluated.</param>
public sealed record Evaluation(double Loss, double? Accuracy, int Samples)
{
    /// <summary>The trainer's other metrics by name ("precision", "mae", ...); empty when it has none.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
}
