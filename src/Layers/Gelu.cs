using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Gelu elementwise (torch.nn.GELU): exact x·Φ(x) by default, or the tanh approximation with
/// <c>approximate: GeluApproximation.Tanh</c>; shape unchanged.
/// </summary>
public sealed class Gelu(GeluApproximation approximate = GeluApproximation.None) : Module
{
    /// <summary>Which formula this layer computes.</summary>
    public GeluApproximation Approximate { get; } = approximate;

    public override Tensor Forward(Tensor input) => input.Gelu(Approximate);
}
