using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>Fraction of samples whose target class has fewer than k scores strictly above it (ties count as hits, as Keras' in_top_k).</summary>
internal sealed class TopKAccuracy : Metric
{
    private readonly int _k;
    private long _hits;
    private long _samples;

    public TopKAccuracy(int k, string name) : base(name)
    {
        if (k <= 0) throw new ArgumentException($"top_k_accuracy: k must be positive, got {k}");
        _k = k;
    }

    public override void Reset() => (_hits, _samples) = (0, 0);

    public override void Update(Tensor output, Tensor target)
    {
        var (rows, classes) = ClassLabels.Check(Name, output, target);
        int[] labels = ClassLabels.Targets(Name, target, classes);
        float[] scores = HostValues.Floats(output);
        for (int r = 0; r < rows; r++)
        {
            var row = scores.AsSpan(r * classes, classes);
            float own = row[labels[r]];
            int above = 0;
            foreach (float s in row) if (s > own) above++;
            if (above < _k) _hits++;
        }
        _samples += rows;
    }

    public override double Result() => _samples == 0 ? double.NaN : (double)_hits / _samples;
}
