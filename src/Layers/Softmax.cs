using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>softmax along <see cref="Dim"/> (torch.nn.Softmax); shape unchanged.</summary>
public sealed class Softmax(int dim) : Module
{
    public int Dim { get; } = dim;

    public override Tensor Forward(Tensor input) => input.Softmax(Dim);

    protected override string Describe() => $"Softmax(dim={Dim})";
}
