using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// 2-d convolution (torch.nn.Conv2d, with Keras' activation argument): y = act(conv(x, weight) + bias).
/// x: [N, C, H, W], weight: [K, C/groups, R, S], bias: [K] → [N, K, P, Q]; the per-channel bias and
/// the activation run as one fused op.
/// Weight and bias start as U(−1/√fan_in, 1/√fan_in) with fan_in = C/groups·R·S (PyTorch's default).
/// </summary>
public sealed class Conv2D : Module
{
    private readonly Tensor _weight;
    private readonly Tensor? _bias;

    /// <summary>
    /// Square kernel, stride, padding and dilation. <paramref name="weightInit"/> and
    /// <paramref name="biasInit"/> refill the default-initialized tensors, e.g. <c>weightInit: w =&gt; Init.XavierUniform(w)</c>.
    /// </summary>
    public Conv2D(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null, Activation activation = Activation.Identity,
        Action<Tensor>? weightInit = null, Action<Tensor>? biasInit = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation),
            groups, bias, generator, activation, weightInit, biasInit)
    {
    }

    /// <summary>Rectangular kernel, stride, padding and dilation as (H, W) pairs.</summary>
    public Conv2D(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, int groups = 1, bool bias = true, Generator? generator = null,
        Activation activation = Activation.Identity, Action<Tensor>? weightInit = null, Action<Tensor>? biasInit = null)
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"conv2d: channels in={inChannels}, out={outChannels} must be positive multiples of groups={groups}");
        if (kernelSize.H <= 0 || kernelSize.W <= 0 || stride.H <= 0 || stride.W <= 0 || dilation.H <= 0 || dilation.W <= 0
            || padding.H < 0 || padding.W < 0)
            throw new ArgumentException($"conv2d: invalid kernel {kernelSize}, stride {stride}, padding {padding} or dilation {dilation}");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Activation = activation;
        int fanIn = inChannels / groups * kernelSize.H * kernelSize.W;
        _weight = RegisterParameter("weight",
            Init.KaimingUniform([outChannels, inChannels / groups, kernelSize.H, kernelSize.W], fanIn, generator: generator));
        if (bias) _bias = RegisterParameter("bias", Init.FanInUniform([outChannels], fanIn, generator));
        weightInit?.Invoke(_weight);
        if (_bias is not null) biasInit?.Invoke(_bias);
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }
    public int Groups { get; }

    /// <summary>The activation applied after the bias (Identity: none).</summary>
    public Activation Activation { get; }

    /// <summary>The weight, [K, C/groups, R, S].</summary>
    public Tensor Weight => _weight;

    /// <summary>The bias, [K], or null when built without one.</summary>
    public Tensor? Bias => _bias;

    /// <summary>x: [N, C, H, W] → [N, K, P, Q].</summary>
    public override Tensor Forward(Tensor input) => Forward(input, Activation);

    /// <summary>The convolution with another activation in its epilogue (Sequential fusing a following Relu).</summary>
    internal Tensor Forward(Tensor input, Activation activation)
    {
        if (input.Rank != 4 || input.Shape[1] != InChannels)
            throw new ArgumentException($"conv2d: input {input.Shape} must be [N, {InChannels}, H, W]");
        return input.Conv2D(Weight, Bias, Stride, Padding, Dilation, Groups, activation);
    }

    protected override string Describe()
    {
        var text = $"Conv2D({InChannels}→{OutChannels}, {KernelSize.H}x{KernelSize.W}";
        if (Stride != (1, 1)) text += $", stride {Stride.H}x{Stride.W}";
        if (Padding != (0, 0)) text += $", pad {Padding.H}x{Padding.W}";
        if (Dilation != (1, 1)) text += $", dilation {Dilation.H}x{Dilation.W}";
        if (Groups != 1) text += $", groups {Groups}";
        if (Activation != Activation.Identity) text += $", {Activation}";
        return text + ")";
    }
}
