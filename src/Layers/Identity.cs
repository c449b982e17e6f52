using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Returns its input (torch.nn.Identity): the placeholder Quantization.Quantize leaves where it
/// fused a ReLU into the int8 layer before it, so layer indices and state names stay put.
/// </summary>
public sealed class Identity : Module
{
    public override Tensor Forward(Tensor input) => input.AliasInGraph();

    protected override string Describe() => "Identity";
}
