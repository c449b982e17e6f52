namespace DeepNet.Training;

/// <summary>Which macro-averaged score a <see cref="ClassificationReport"/> gives.</summary>
internal enum ClassificationScore
{
    Precision,
    Recall,
    F1,
}
