using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Layer normalization over the trailing <see cref="NormalizedShape"/> dims (torch.nn.LayerNorm):
/// y = (x − mean) / √(var + eps) · weight + bias, biased variance; weight starts at 1, bias at 0.
/// x: [..., *normalizedShape], shape unchanged.
/// </summary>
public sealed class LayerNorm : Module
{
    private readonly Tensor? _weight, _bias;
    private readonly int[] _normalizedShape;

    /// <summary>Normalizes over the last dim of size <paramref name="normalizedSize"/>.</summary>
    public LayerNorm(int normalizedSize, float eps = 1e-5f, bool elementwiseAffine = true)
        : this([normalizedSize], eps, elementwiseAffine)
    {
    }

    public LayerNorm(int[] normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentException($"layer_norm: normalized shape [{string.Join(",", normalizedShape)}] must be non-empty and positive");
        _normalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            _weight = RegisterParameter("weight", Tensor.Ones(_normalizedShape));
            _bias = RegisterParameter("bias", Tensor.Zeros(_normalizedShape));
        }
    }

    public Shape NormalizedShape => new(_normalizedShape);
    public float Eps { get; }
    public Tensor? Weight => _weight;
    public Tensor? Bias => _bias;

    public override Tensor Forward(Tensor input) => input.LayerNorm(_normalizedShape, Weight, Bias, Eps);

    protected override string Describe() => $"LayerNorm([{string.Join(", ", _normalizedShape)}])";
}
