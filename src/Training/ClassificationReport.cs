using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>Per-class true/false positives and false negatives of arg-max predictions, macro-averaged into precision, recall or F1.</summary>
internal sealed class ClassificationReport(ClassificationScore score) : Metric(NameOf(score))
{
    private long[] _truePositives = [];
    private long[] _falsePositives = [];
    private long[] _falseNegatives = [];

    private static string NameOf(ClassificationScore score) => score switch
    {
        ClassificationScore.Precision => "precision",
        ClassificationScore.Recall => "recall",
        _ => "f1_score",
    };

    public override void Reset() => _truePositives = _falsePositives = _falseNegatives = [];

    public override void Update(Tensor output, Tensor target)
    {
        var (_, classes) = ClassLabels.Check(Name, output, target);
        int[] labels = ClassLabels.Targets(Name, target, classes);
        int[] predicted = ClassLabels.ArgMaxRows(HostValues.Floats(output), classes);
        if (_truePositives.Length == 0)
            (_truePositives, _falsePositives, _falseNegatives) = (new long[classes], new long[classes], new long[classes]);
        else if (_truePositives.Length != classes)
            throw new ArgumentException($"{Name}: batches disagree on the number of classes ({_truePositives.Length} then {classes})");
        for (int i = 0; i < labels.Length; i++)
        {
            if (predicted[i] == labels[i]) { _truePositives[labels[i]]++; continue; }
            _falsePositives[predicted[i]]++;
            _falseNegatives[labels[i]]++;
        }
    }

    public override double Result()
    {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < _truePositives.Length; c++)
        {
            long tp = _truePositives[c], fp = _falsePositives[c], fn = _falseNegatives[c];
            if (tp + fp + fn == 0) continue;  // class absent from targets and predictions
            double precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
            double recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
            sum += score switch
            {
                ClassificationScore.Precision => precision,
                ClassificationScore.Recall => recall,
                _ => precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            };
            present++;
        }
        return present == 0 ? double.NaN : sum / present;
    }
}
