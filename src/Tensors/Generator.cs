namespace DeepNet.Tensors;

/// <summary>
/// A seeded source of random tensors. Each draw takes the next block of a counter-based stream,
/// so results are reproducible and identical on every device. <see cref="Default"/> is used when
/// no generator is passed; <see cref="ManualSeed"/> reseeds it (like torch.manual_seed).
/// </summary>
public sealed class Generator(ulong seed)
{
    private long _counter;

    public ulong Seed { get; } = seed;

    /// <summary>The process-wide generator used when none is given.</summary>
    public static Generator Default { get; private set; } = new(0x5EED);

    /// <summary>Replaces the default generator with one seeded by <paramref name="seed"/>.</summary>
    public static void ManualSeed(ulong seed) => Default = new Generator(seed);

    /// <summary>Reserves <paramref name="count"/> numbers of the stream and returns the first counter.</summary>
    internal ulong Take(long count) => (ulong)(Interlocked.Add(ref _counter, count) - count);
}
