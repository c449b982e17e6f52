namespace DeepNet.Serialization;

/// <summary>
/// Per-feature standardization a model expects on its raw inputs: x' = (x − Mean) / Std, with one
/// mean and one std per input feature (the values the training script computed on its training set).
/// </summary>
public sealed record InputNormalization(float[] Mean, float[] Std)
{
    /// <summary>Throws <see cref="ModelArchitectureException"/> unless both vectors have <paramref name="featureCount"/> finite entries and every std is positive.</summary>
    public void Validate(int featureCount)
    {
        if (Mean.Length != featureCount || Std.Length != featureCount)
            throw new ModelArchitectureException(
                $"model architecture: normalization has {Mean.Length} means and {Std.Length} stds, the input has {featureCount} features");
        if (Mean.Any(m => !float.IsFinite(m)) || Std.Any(s => !float.IsFinite(s) || s <= 0f))
            throw new ModelArchitectureException("model architecture: normalization means must be finite and stds finite and positive");
    }

    /// <summary>Standardizes <paramref name="rows"/> in place: a row-major [N, features] buffer.</summary>
    public void Apply(Span<float> rows)
    {
        int features = Mean.Length;
        for (int i = 0; i < rows.Length; i++)
        {
            int f = i % features;
            rows[i] = (rows[i] - Mean[f]) / Std[f];
        }
    }
}
