using System.Globalization;
using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>x for x ≥ 0, slope·x below, elementwise (torch.nn.LeakyRelu, slope 0.01); shape unchanged.</summary>
public sealed class LeakyRelu(float negativeSlope = 0.01f) : Module
{
    public float NegativeSlope { get; } = negativeSlope;

    public override Tensor Forward(Tensor input) => input.LeakyRelu(NegativeSlope);

    protected override string Describe() => $"LeakyRelu({NegativeSlope.ToString(CultureInfo.InvariantCulture)})";
}
