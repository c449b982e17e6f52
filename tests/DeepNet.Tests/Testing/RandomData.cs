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

    /// <summary>
    /// Uniform values kept at least <paramref name="margin"/> away from each kink (for relu, abs,
    /// clamp): a central difference straddling a kink measures neither side's slope.
    /// </summary>
    public static (float[] Data, int[] Shape) AwayFrom(int seed, int[] shape, float[] kinks, float margin = 0.05f,
        float low = -1f, float high = 1f)
    {
        var rng = new Random(seed);
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        for (int i = 0; i < n; i++)
        {
            float v;
            do v = (float)(low + (high - low) * rng.NextDouble());
            while (kinks.Any(k => Math.Abs(v - k) < margin));
            data[i] = v;
        }
        return (data, shape);
    }

    /// <summary>Distinct values in random order (for max/min, pooling: no near-ties under the step).</summary>
    public static (float[] Data, int[] Shape) Distinct(int seed, int[] shape, float spacing = 0.1f)
    {
        var rng = new Random(seed);
        int n = (int)shape.Aggregate(1L, (a, b) => a * b);
        var data = Enumerable.Range(0, n).Select(i => (i - n / 2) * spacing).OrderBy(_ => rng.Next()).ToArray();
        return (data, shape);
    }
}
