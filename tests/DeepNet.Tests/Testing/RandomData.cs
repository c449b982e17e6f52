namespace DeepNet.Tests.Testing;

/// <summary>Seeded host data for tests.</summary>
public static class RandomData
{
    public static (float[] Data, int[] Shape) Uniform(int seed, int[] shape, float low = -1f, float high = 1f)
    {
        var rng = new Random(seed);
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float)(low + (high - low) * rng.NextDouble());
        return (data, shape);
    }

    /// <summary>Values bounded away from zero (for log, sqrt, div).</summary>
    public static (float[] Data, int[] Shape) Positive(int seed, int[] shape) => Uniform(seed, shape, 0.5f, 2f);
}
