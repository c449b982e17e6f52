using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Inverted dropout (torch.nn.Dropout): while training, zeroes each element with probability p and
/// scales the rest by 1/(1−p); the identity in eval mode. Shape unchanged.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator? _generator;

    public Dropout(float p = 0.5f, Generator? generator = null)
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentException($"dropout: probability must be in [0, 1], got {p}");
        P = p;
        _generator = generator;
    }

    public float P { get; }

    public override Tensor Forward(Tensor input) => input.Dropout(P, IsTraining, _generator);

    protected override string Describe() => $"Dropout(p={P.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
}
