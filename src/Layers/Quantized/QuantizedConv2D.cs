using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// Int8 2-d convolution for inference (torch.ao.nn.quantized.Conv2d, groups 1): im2col, then the
/// int8 GEMM against the weight [K, C, R, S] quantized per output channel, activations uint8 per
/// tensor (calibrated, or per batch when <see cref="QuantizedWeightLayer.InputParams"/> is null), float output + bias,
/// then the activation. Inference only, like <see cref="QuantizedDense"/>.
/// </summary>
public sealed class QuantizedConv2D : QuantizedWeightLayer
{
    /// <summary>From a quantized weight [K, C, R, S], a float bias [K] (copied) or null, the geometry and the input's quantization.</summary>
    public QuantizedConv2D(QuantizedWeight weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation,
        Activation activation = Activation.Identity, QuantizationParams? inputParams = null)
        : base("quantized_conv2d", Check(weight, stride, padding, dilation), bias, weight.Shape[0], activation, inputParams)
    {
        OutChannels = weight.Shape[0];
        InChannels = weight.Shape[1];
        KernelSize = (weight.Shape[2], weight.Shape[3]);
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
    }

    private static QuantizedWeight Check(QuantizedWeight weight, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation)
    {
        if (weight.Shape.Rank != 4) throw new ArgumentException($"quantized_conv2d: weight must be [K, C, R, S], got {weight.Shape}");
        if (stride.H < 1 || stride.W < 1 || dilation.H < 1 || dilation.W < 1 || padding.H < 0 || padding.W < 0)
            throw new ArgumentException($"quantized_conv2d: invalid stride {stride}, padding {padding} or dilation {dilation}");
        return weight;
    }

    /// <summary>Quantizes a float Conv2D layer's weight per output channel (activation: the layer's unless given); grouped convolutions are refused.</summary>
    public static QuantizedConv2D FromFloat(Conv2D conv, QuantizationParams? inputParams = null, Activation? activation = null)
    {
        if (conv.Groups != 1)
            throw new ArgumentException($"quantized_conv2d: groups={conv.Groups} is not supported (groups 1 only); leave this layer float");
        return new QuantizedConv2D(QuantizedWeight.Quantize(conv.Weight), conv.Bias, conv.Stride, conv.Padding, conv.Dilation,
            activation ?? conv.Activation, inputParams);
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }
    /// <summary>x: [N, C, H, W] → [N, K, P, Q].</summary>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Shape[1] != InChannels)
            throw new ArgumentException($"quantized_conv2d: input {input.Shape} must be [N, {InChannels}, H, W]");
        return Tensor.QuantizedConv2D(input, Weight, Bias, Stride, Padding, Dilation, InputParams, Activation);
    }

    protected override string Describe() =>
        $"QuantizedConv2D({InChannels}→{OutChannels}, {KernelSize.H}x{KernelSize.W}, int8{(Activation == Activation.Identity ? "" : ", " + Activation)}{(InputParams is null ? ", dynamic" : "")})";
}
