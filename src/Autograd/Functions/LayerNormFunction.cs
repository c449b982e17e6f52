using DeepNet.Tensors;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// torch.nn.functional.layer_norm on the fused kernel (Kernels/Fused/LayerNorm): one pass per row
/// forward, saving the row mean and rstd; one backward kernel yields dx, dweight and dbias.
/// tests/DeepNet.Tests/Tensors/LayerNormFusedTests asserts equality with the composite.
/// </summary>
internal sealed class LayerNormFunction : Function
{
    private const string Op = "layer_norm";
    private LayerNorm _forward;
    private Tensor _x = null!;
    private int[] _normalizedShape = [];
    private bool _needX, _needWeight, _needBias;

    /// <summary>The normalized trailing shape, epsilon and which of weight, bias follow x as inputs (ONNX export).</summary>
    internal (int[] NormalizedShape, float Eps, bool HasWeight, bool HasBias) Normalization =>
        (_normalizedShape, _forward.Shape.Eps, _forward.Shape.HasWeight != 0, _forward.Shape.HasBias != 0);

    // In its own method: a lambda capturing Apply's parameters would allocate its closure on every call, taken or not.
    private static Tensor Float64Composite(Tensor x, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps) =>
        DisposeScope.Run(() => Composite(x.To(DType.Float64), normalizedShape.Length, weight, bias, eps));

    private static Tensor Raised(Tensor x, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps) =>
        DisposeScope.Run(() => Apply(Autocast.Raise(x), normalizedShape, Autocast.RaiseOrNull(weight), Autocast.RaiseOrNull(bias), eps));

    private static Tensor HalfInFloat32(Tensor x, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps) =>
        DisposeScope.Run(() => Apply(x.To(DType.Float32), normalizedShape, weight?.To(DType.Float32), bias?.To(DType.Float32), eps).To(x.DType));

    public static Tensor Apply(Tensor x, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps)
    {
        if (weight is not null) Tensor.CheckSameDevice(Op, x, weight);
        if (bias is not null) Tensor.CheckSameDevice(Op, x, bias);
        var shape = LayerNormShape.From(Op, x.ShapeArray, normalizedShape, weight?.ShapeArray, bias?.ShapeArray, eps);
        if (x.DType == DType.Float64 || weight?.DType == DType.Float64 || bias?.DType == DType.Float64)
            return Float64Composite(x, normalizedShape, weight, bias, eps);
        // Autocast runs layer norm in float32 (a Float32 result); 16-bit tensors outside it compute in float32 and round once to x's dtype.
        if (Autocast.Raises(x) || Autocast.Raises(weight) || Autocast.Raises(bias))
            return Raised(x, normalizedShape, weight, bias, eps);
        if (HalfScratch.IsHalf(x.DType) || weight is not null && HalfScratch.IsHalf(weight.DType) || bias is not null && HalfScratch.IsHalf(bias.DType))
            return HalfInFloat32(x, normalizedShape, weight, bias, eps);
        if (!x.IsContiguous || weight is { IsContiguous: false } || bias is { IsContiguous: false })
        {
            using var denseX = x.Contiguous();
            using var denseWeight = weight?.Contiguous();
            using var denseBias = bias?.Contiguous();
            return Apply(denseX, normalizedShape, denseWeight, denseBias, eps);
        }
        var device = x.Device;
        var y = Tensor.Empty(x.ShapeArray, device);
        using var mean = Tensor.Empty([shape.Rows], device);
        using var rstd = Tensor.Empty([shape.Rows], device);
        var op = new LayerNorm(shape, x.Buffer, x.Layout.Offset, weight?.Buffer, weight?.Layout.Offset ?? 0,
            bias?.Buffer, bias?.Layout.Offset ?? 0, y.Buffer, mean.Buffer, rstd.Buffer);
        x.Backend.Run(op);
        Tensor[] inputs = [x, .. weight is null ? Array.Empty<Tensor>() : [weight], .. bias is null ? Array.Empty<Tensor>() : [bias]];
        if (!ShouldRecord(inputs)) return y;
        var node = new LayerNormFunction
        {
            _forward = op, _normalizedShape = (int[])normalizedShape.Clone(), _needX = x.RequiresGrad, _needWeight = weight?.RequiresGrad ?? false, _needBias = bias?.RequiresGrad ?? false,
        };
        // The op holds these buffers; the saved aliases keep them alive until backward.
        node._x = node.Save(x);
        node.Save(mean);
        node.Save(rstd);
        if (weight is not null) node.Save(weight);
        return node.Record(y, inputs);
    }

    // Float64: the composite (the op's definition) in double primitives: biased variance, as torch.
    private static Tensor Composite(Tensor x, int normalizedRank, Tensor? weight, Tensor? bias, float eps)
    {
        int[] dims = [.. Enumerable.Range(x.Rank - normalizedRank, normalizedRank)];
        var centered = x - x.Mean(dims, keepDim: true);
        var variance = (centered * centered).Mean(dims, keepDim: true);
        var y = centered / (variance + eps).Sqrt();
        if (weight is not null) y *= weight;
        if (bias is not null) y += bias;
        return y;
    }

    // x̂ = (x − mean)·rstd, y = x̂·w + b ⇒ dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w,
    // dw = Σ_rows dy·x̂, db = Σ_rows dy
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var f = _forward;
        using var gradY = gradOutput.IsContiguous ? gradOutput.Alias() : gradOutput.Contiguous();
        var device = _x.Device;
        var gradX = _needX ? Tensor.Empty(_x.ShapeArray, device) : null;
        var gradWeight = _needWeight ? Tensor.Empty([f.Shape.Cols], device) : null;
        var gradBias = _needBias ? Tensor.Empty([f.Shape.Cols], device) : null;
        _x.Backend.Run(new LayerNormBackward(f, gradY.Buffer, gradY.Layout.Offset, gradX?.Buffer, gradWeight?.Buffer, gradBias?.Buffer));
        var w = gradWeight is null ? null : Reshaped(gradWeight, _normalizedShape);
        var b = gradBias is null ? null : Reshaped(gradBias, _normalizedShape);
        Tensor?[] grads = [gradX, .. f.Shape.HasWeight != 0 ? [w] : Array.Empty<Tensor?>(), .. f.Shape.HasBias != 0 ? [b] : Array.Empty<Tensor?>()];
        return grads;
    }

    private static Tensor Reshaped(Tensor flat, int[] shape)
    {
        if (shape.Length == 1) return flat;
        using (flat) return flat.Reshape(shape);
    }
}
