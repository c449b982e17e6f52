using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>Exact Gelu, x·Φ(x) (torch.nn.Gelu's default), elementwise; shape unchanged.</summary>
public sealed class Gelu : Module
{
    public override Tensor Forward(Tensor input) => input.Gelu();
}
