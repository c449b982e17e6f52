using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>tanh(x), elementwise; shape unchanged.</summary>
public sealed class Tanh : Module
{
    public override Tensor Forward(Tensor input) => input.Tanh();
}
