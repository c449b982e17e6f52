namespace DeepNet.Kernels;

/// <summary>
/// Distributions of <see cref="IBackend.Random"/>. Both backends draw from the same
/// counter-based generator (<see cref="CounterRandom"/>), so a seed gives the same numbers on every device.
/// </summary>
public enum RandomKind
{
    /// <summary>Uniform on [a, b).</summary>
    Uniform,
    /// <summary>Normal with mean a and standard deviation b.</summary>
    Normal,
}
