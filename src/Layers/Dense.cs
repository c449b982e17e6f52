using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Fully connected layer (torch.nn.Linear, with Keras' activation argument): y = act(x·Wᵀ + b).
/// x: [..., in], W: [out, in], b: [out] → [..., out]. The bias and activation run as one fused op.
/// W and b start as U(−1/√in, 1/√in), PyTorch's kaiming_uniform(a=√5) default.
/// </summary>
public sealed class Dense : Module
{
    private readonly Tensor _weight;
    private readonly Tensor? _bias;

    /// <summary>
    /// A Dense layer with PyTorch's default init; <paramref name="weightInit"/> and <paramref name="biasInit"/>
    /// refill the tensors afterwards, e.g. <c>weightInit: w =&gt; Init.XavierUniform(w)</c>.
    /// </summary>
    public Dense(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null,
        Activation activation = Activation.Identity, Action<Tensor>? weightInit = null, Action<Tensor>? biasInit = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"dense: feature counts must be positive, got in={inFeatures}, out={outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Activation = activation;
        _weight = RegisterParameter("weight", Init.KaimingUniform([outFeatures, inFeatures], inFeatures, generator: generator));
        if (bias) _bias = RegisterParameter("bias", Init.FanInUniform([outFeatures], inFeatures, generator));
        weightInit?.Invoke(_weight);
        if (_bias is not null) biasInit?.Invoke(_bias);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>The activation applied after the bias (Identity: none).</summary>
    public Activation Activation { get; }

    /// <summary>The weight, [out, in].</summary>
    public Tensor Weight => _weight;

    /// <summary>The bias, [out], or null when built without one.</summary>
    public Tensor? Bias => _bias;

    /// <summary>x: [..., in] → [..., out].</summary>
    public override Tensor Forward(Tensor input) => Forward(input, Activation);

    /// <summary>The layer with another activation in its epilogue (Sequential fusing a following Relu).</summary>
    internal Tensor Forward(Tensor input, Activation activation)
    {
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
            throw new ArgumentException($"dense: input {input.Shape} must end in {InFeatures} features");
        return Tensor.LinearActivation(input, Weight, Bias, activation);
    }

    protected override string Describe() =>
        $"Dense({InFeatures}→{OutFeatures}{(Bias is null ? ", no bias" : "")}{(Activation == Activation.Identity ? "" : ", " + Activation)})";
}
