namespace DeepNet.Training;

/// <summary>
/// A metric a callback watches and which direction is better: accuracy goes up, losses go down
/// (Keras' mode "auto"). Tracks the best value seen.
/// </summary>
internal sealed class MonitoredMetric(string name, double minDelta)
{
    public string Name { get; } = name;

    /// <summary>True when larger values are better.</summary>
    public bool Maximize { get; private set; } = name.Contains("acc", StringComparison.Ordinal);

    public double Best { get; private set; } = double.NaN;

    public int BestEpoch { get; private set; }

    /// <summary>Throws unless the metric is one Fit can produce with this setup; learns which direction is better.</summary>
    public void Check(TrainingContext context, string owner)
    {
        Maximize = context.CheckMetric(Name, owner);
    }

    /// <summary>The epoch's value; throws when it was not measured (accuracy of a regression).</summary>
    public double ValueOf(EpochMetrics metrics, string owner) =>
        metrics.Get(Name) ?? throw new InvalidOperationException($"{owner}: monitor '{Name}' was not measured (accuracy exists only for classification: logits [N, C] against class indices [N])");

    /// <summary>Records <paramref name="value"/> if it beats the best by more than minDelta; returns whether it did.</summary>
    public bool Improve(double value, int epoch)
    {
        bool better = double.IsNaN(Best) || (Maximize ? value > Best + minDelta : value < Best - minDelta);
        if (better)
        {
            Best = value;
            BestEpoch = epoch;
        }
        return better;
    }
}
