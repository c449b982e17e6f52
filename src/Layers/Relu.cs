using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>relu(x) = max(x, 0), elementwise; shape unchanged.</summary>
public sealed class Relu : Module
{
    public override Tensor Forward(Tensor input) => input.Relu();
}
