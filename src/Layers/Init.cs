using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Parameter initializers with PyTorch's defaults. Every one takes an optional
/// <see cref="Generator"/> so models can be built reproducibly; without one the default
/// generator is used (reseed it with <see cref="Generator.ManualSeed"/>).
/// </summary>
public static class Init
{
    /// <summary>U(−bound, bound) of the given shape.</summary>
    public static Tensor Uniform(int[] shape, float bound, Generator? generator = null, Device? device = null) =>
        Tensor.Rand(shape, generator, device, -bound, bound);

    /// <summary>N(mean, std²) of the given shape (nn.Embedding's default is N(0, 1)).</summary>
    public static Tensor Normal(int[] shape, float mean = 0f, float std = 1f, Generator? generator = null, Device? device = null) =>
        Tensor.Randn(shape, generator, device, mean, std);

    /// <summary>
    /// kaiming_uniform_: U(−b, b) with b = gain·√(3 / fan_in) and gain = √(2 / (1 + a²)).
    /// With PyTorch's a = √5 for Linear and Conv weights, b = 1/√fan_in.
    /// </summary>
    public static Tensor KaimingUniform(int[] shape, int fanIn, double a = 2.2360679774997896964,
        Generator? generator = null, Device? device = null)
    {
        if (fanIn <= 0) throw new ArgumentException($"kaiming_uniform: fan_in must be positive, got {fanIn} for shape [{string.Join(",", shape)}]");
        double gain = Math.Sqrt(2.0 / (1.0 + a * a));
        return Uniform(shape, (float)(gain * Math.Sqrt(3.0 / fanIn)), generator, device);
    }

    /// <summary>The bias initializer of Linear and Conv: U(−1/√fan_in, 1/√fan_in).</summary>
    public static Tensor FanInUniform(int[] shape, int fanIn, Generator? generator = null, Device? device = null)
    {
        if (fanIn <= 0) throw new ArgumentException($"fan_in_uniform: fan_in must be positive, got {fanIn}");
        return Uniform(shape, (float)(1.0 / Math.Sqrt(fanIn)), generator, device);
    }
}
