using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>Exact GELU, x·Φ(x) (torch.nn.GELU's default), elementwise; shape unchanged.</summary>
public sealed class GELU : Module
{
    public override Tensor Forward(Tensor input) => input.Gelu();
}
