using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Int8 Dense and Conv2D for inference (Kernels/Fused/QuantizedGemm). Records no graph: an input
/// that requires grad under grad mode is refused, since int8 rounding has no useful gradient.
/// </summary>
internal static class QuantizedGemmFunction
{
    /// <summary>x: [..., in] → [..., out] = dequant(quant(x)·qWᵀ) + b.</summary>
    public static Tensor Linear(Tensor input, QuantizedWeight weight, Tensor? bias, QuantizationParams? inputParams, Activation activation)
    {
        const string op = "quantized_linear";
        Check(op, input, weight, bias);
        if (weight.Shape.Rank != 2 || input.Rank == 0 || input.ShapeArray[^1] != weight.InFeatures)
            throw new ArgumentException($"{op}: input {input.Shape} must end in {weight.InFeatures} features for weight {weight.Shape}");
        var qp = inputParams ?? Dynamic(op, input);
        qp.Validate(op);
        using var dense = input.IsContiguous ? input.Alias() : input.Detach().Contiguous();
        int m = (int)(input.Size / weight.InFeatures);
        var output = Tensor.Empty([.. input.ShapeArray[..^1], weight.OutChannels], input.Device);
        if (m == 0) return Activate(output, activation);
        using var b = bias?.Contiguous();
        input.Backend.Run(new QuantizedGemm(dense.Buffer, dense.Layout.Offset, m, 1, weight.Packed, b?.Buffer, b?.Layout.Offset ?? 0,
            qp.Scale, qp.ZeroPoint, output.Buffer, activation == Activation.Relu));
        return Activate(output, activation);
    }

    /// <summary>x: [N, C, H, W], weight [K, C, R, S] → [N, K, P, Q], groups 1 (Kernels/Fused/QuantizedConv2D).</summary>
    public static Tensor Conv2D(Tensor input, QuantizedWeight weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, QuantizationParams? inputParams, Activation activation)
    {
        const string op = "quantized_conv2d";
        Check(op, input, weight, bias);
        int[] ws = weight.Shape;
        if (input.Rank != 4 || ws.Length != 4 || input.ShapeArray[1] != ws[1])
            throw new ArgumentException($"{op}: expects input [N, {(ws.Length == 4 ? ws[1] : "C")}, H, W] for weight {weight.Shape}, got {input.Shape}");
        var g = new Conv2DGeometry(input.ShapeArray[0], ws[1], input.ShapeArray[2], input.ShapeArray[3], ws[2], ws[3],
            stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        if (stride.H < 1 || stride.W < 1 || g.P < 1 || g.Q < 1)
            throw new ArgumentException($"{op}: input {input.Shape} is too small for weight {weight.Shape} with stride {stride}, padding {padding}, dilation {dilation}");
        g.Validate(op);
        var qp = inputParams ?? Dynamic(op, input);
        qp.Validate(op);
        var output = Tensor.Empty([g.N, weight.OutChannels, g.P, g.Q], input.Device);
        if (g.N == 0) return Activate(output, activation);
        using var dense = input.IsContiguous && input.Layout.Offset == 0 ? input.Alias() : input.Detach().Contiguous();
        using var b = bias?.Contiguous();
        input.Backend.Run(new QuantizedConv2D(dense.Buffer, g, weight.Packed, b?.Buffer, b?.Layout.Offset ?? 0, qp.Scale, qp.ZeroPoint, output.Buffer, activation == Activation.Relu));
        return Activate(output, activation);
    }

    // ReLU runs in the requantize epilogue; any other activation is one more pass.
    private static Tensor Activate(Tensor output, Activation activation)
    {
        if (activation is Activation.Identity or Activation.Relu) return output;
        using (output) return output.Activate(activation);
    }

    /// <summary>Per-batch min/max of the input (dynamic quantization): two reductions and one host read.</summary>
    public static QuantizationParams Dynamic(string op, Tensor input)
    {
        if (input.Size == 0) return new QuantizationParams(1f, 0);
        using var noGrad = GradMode.NoGrad();
        using var range = DisposeScope.Run(() => Tensor.Stack([input.Min(), input.Max()]));
        float[] mm = range.ToArray();
        return QuantizationParams.FromRange(mm[0], mm[1], op);
    }

    private static void Check(string op, Tensor input, QuantizedWeight weight, Tensor? bias)
    {
        input.ThrowIfDisposed();
        if (input.DType == DType.Float64)   // int8 inference quantizes float32 activations; never a silent cast
            throw new ArgumentException($"{op}: the input is Float64 and the int8 kernel has no Float64 form; convert the input (or the model, before quantizing) with To(DType.Float32)");
        if (GraphCapture.IsActive)   // an ONNX export trace: the int8 kernel records no node
            throw new InvalidOperationException($"{op}: int8-quantized layers have no ONNX export; export the float model before quantizing it");
        if (GradMode.IsEnabled && input.RequiresGrad)
            throw new InvalidOperationException(
                $"{op}: this layer is int8-quantized for inference and cannot be trained (its input requires grad). " +
                "Train the float model, then quantize it again; run quantized models under GradMode.NoGrad() or on inputs that do not require grad");
        if (weight.Device != input.Device)
            throw new ArgumentException($"{op}: input is on {input.Device} but the quantized weight on {weight.Device}");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != weight.OutChannels || bias.Device != input.Device))
            throw new ArgumentException($"{op}: bias must be [{weight.OutChannels}] on {input.Device}, got {bias.Shape} on {bias.Device}");
    }
}
