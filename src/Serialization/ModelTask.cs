namespace DeepNet.Serialization;

/// <summary>What a saved model's output means: class scores or regression values.</summary>
public enum ModelTask
{
    /// <summary>The output row holds one score (logit or probability) per class.</summary>
    Classification,

    /// <summary>The output row holds the predicted values.</summary>
    Regression,
}
