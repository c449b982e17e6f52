using DeepNet.Serialization;

namespace DeepNet.Serving;

/// <summary>
/// Counts the parameters an architecture document declares, from the layer arguments alone, so an
/// oversized file is refused before any layer allocates (a 20000×20000 Dense is 400 M floats).
/// Layer types it does not know count 0: the count is a lower bound.
/// </summary>
public static class ParameterBudget
{
    /// <summary>The declared parameter count of each layer, in order (bad arguments count 0: building reports them).</summary>
    public static long[] PerLayer(ModelArchitecture architecture) => architecture.Layers.Select(Count).ToArray();

    /// <summary>
    /// Throws <see cref="ModelArchitectureException"/> naming <paramref name="architecturePath"/> and the
    /// largest layer when the declared parameters exceed <paramref name="maxParameters"/>, or when they
    /// cannot fit in <paramref name="weightsBytes"/> (every stored value takes at least one byte).
    /// </summary>
    public static void Check(ModelArchitecture architecture, string architecturePath, long maxParameters, long weightsBytes)
    {
        long[] counts = PerLayer(architecture);
        long total = counts.Sum();
        int largest = counts.Length == 0 ? 0 : Array.IndexOf(counts, counts.Max());
        string where = counts.Length == 0 ? "" : $"; the largest is layer {largest} ({architecture.Layers[largest].Type}) with {counts[largest]:N0}";
        if (total > maxParameters)
            throw new ModelArchitectureException(
                $"model architecture '{architecturePath}' declares {total:N0} parameters, over the limit of {maxParameters:N0} (Serving:MaxParameters){where}");
        if (total > weightsBytes)
            throw new ModelArchitectureException(
                $"model architecture '{architecturePath}' declares {total:N0} parameters but the weights file is only {weightsBytes:N0} bytes{where}");
    }

    private static long Count(LayerSpec spec)
    {
        try
        {
            return spec.Type switch
            {
                "Dense" => (long)spec.Int("in_features") * spec.Int("out_features") + (spec.Bool("bias", true) ? spec.Int("out_features") : 0),
                "Conv2D" => Conv(spec),
                "Embedding" => (long)spec.Int("num_embeddings") * spec.Int("embedding_dim"),
                "BatchNorm1D" or "BatchNorm2D" or "BatchNorm1d" or "BatchNorm2d" => spec.Bool("affine", true) ? 2L * spec.Int("num_features") : 0,
                "LayerNorm" => spec.Bool("elementwise_affine", true) ? 2 * spec.IntArray("normalized_shape").Aggregate(1L, (n, d) => n * d) : 0,
                _ => 0,
            };
        }
        catch (ModelArchitectureException)
        {
            return 0;
        }
    }

    private static long Conv(LayerSpec spec)
    {
        long outChannels = spec.Int("out_channels");
        int groups = Math.Max(1, spec.Int("groups", 1));
        var (kh, kw) = spec.Pair("kernel_size");
        return outChannels * (spec.Int("in_channels") / groups) * kh * kw + (spec.Bool("bias", true) ? outChannels : 0);
    }
}
