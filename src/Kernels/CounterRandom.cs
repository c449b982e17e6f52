namespace DeepNet.Kernels;

/// <summary>
/// Counter-based random numbers: value i of a stream is a pure function of (seed, i), so CPU and
/// GPU kernels fill in parallel and still agree bit for bit. SplitMix64 finalizer as the mixer.
/// </summary>
public static class CounterRandom
{
    public static ulong Mix(ulong seed, ulong counter)
    {
        ulong z = seed + (counter + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    public static float Uniform(ulong seed, ulong counter) =>
        (Mix(seed, counter) >> 40) * (1f / 16777216f);

    /// <summary>Standard normal by Box-Muller on two independent uniforms.</summary>
    public static float Normal(ulong seed, ulong counter)
    {
        float u1 = 1f - Uniform(seed, 2 * counter);        // (0, 1]: log stays finite
        float u2 = Uniform(seed, 2 * counter + 1);
        return MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
    }

    public static float Sample(RandomKind kind, float a, float b, ulong seed, ulong counter) =>
        kind == RandomKind.Uniform ? a + (b - a) * Uniform(seed, counter) : a + b * Normal(seed, counter);

    /// <summary>Uniform double in [0, 1) with 53 random bits (the Float64 stream: same counters, more bits).</summary>
    public static double UniformDouble(ulong seed, ulong counter) =>
        (Mix(seed, counter) >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>Standard normal in double by Box-Muller on two independent 53-bit uniforms.</summary>
    public static double NormalDouble(ulong seed, ulong counter)
    {
        double u1 = 1.0 - UniformDouble(seed, 2 * counter);
        double u2 = UniformDouble(seed, 2 * counter + 1);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public static double SampleDouble(RandomKind kind, double a, double b, ulong seed, ulong counter) =>
        kind == RandomKind.Uniform ? a + (b - a) * UniformDouble(seed, counter) : a + b * NormalDouble(seed, counter);
}
