using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>σ(x) = 1 / (1 + e^−x), elementwise; shape unchanged.</summary>
public sealed class Sigmoid : Module
{
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}
