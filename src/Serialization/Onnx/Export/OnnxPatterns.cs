using DeepNet.Autograd.Functions;
using DeepNet.Kernels;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;
using static DeepNet.Serialization.Onnx.Export.OnnxGraphBuilder;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// Whole-layer ONNX nodes for the op sequences DeepNet's layers record: Conv (the conv2d primitive, or
/// Tensor.Conv2D's Im2Col → MatMul composite with the following bias folded in), AveragePool (Im2Col → mean), and Gather for an
/// embedding lookup (index_select). Anything else is emitted op by op, which is
/// exact too; these only make the graph read like the model.
/// </summary>
internal static class OnnxPatterns
{
    private const int Int64Type = (int)Proto.TensorProto.Types.DataType.Int64;

    public static string? TryEmit(OnnxEmitter e, OnnxGraphBuilder g, TraceNode node) => node.Op switch
    {
        ViewFunction when Conv(node) is { } conv => EmitConv(e, g, conv, bias: null),
        ViewFunction when Pool(node) is { } pool => EmitPool(e, g, pool),
        IBiasActivationFunction f when node.Inputs[0] is { Uses: 1 } x && x.Op is ViewFunction && Conv(x) is { } conv =>
            e.Unary(f.Op, EmitConv(e, g, conv, e.Emit(node.Inputs[1])), node),
        Conv2DFunction f => Primitive(e, g, node, f),
        GatherFunction { Dim: 0 } when Lookup(node) is { } ids =>
            g.Node("Gather", [e.Emit(node.Inputs[0]), g.Node("Cast", [e.Emit(ids)], Int("to", Int64Type))], Int("axis", 0)),
        _ => null,
    };

    private sealed record ConvParts(TraceNode X, TraceNode Weight, Conv2DGeometry Geometry, int Groups);

    private sealed record PoolParts(TraceNode X, Conv2DGeometry Geometry);

    // View [N, K, P, Q] ← MatMul(View(weight [K, C/G, R, S]) [G, K/G, ·], View(Im2Col(x) pad 0) [N, G, ·, P·Q])
    private static ConvParts? Conv(TraceNode view)
    {
        if (view.Shape.Length != 4 || view.Inputs[0] is not { Op: MatMulFunction } matmul) return null;
        if (matmul.Inputs[0] is not { Op: ViewFunction } weightView || weightView.Inputs[0] is not { Shape.Length: 4 } weight) return null;
        if (matmul.Inputs[1] is not { Op: ViewFunction } colsView || colsView.Inputs[0] is not { Op: Im2ColFunction im2col } cols) return null;
        var (geometry, padValue) = im2col.Windows;
        if (padValue != 0f || weightView.Shape.Length != 3) return null;
        return new ConvParts(cols.Inputs[0], weight, geometry, weightView.Shape[0]);
    }

    // The conv2d primitive (x, weight[, bias]) with its epilogue activation after the Conv node.
    private static string Primitive(OnnxEmitter e, OnnxGraphBuilder g, TraceNode node, Conv2DFunction f)
    {
        var conv = EmitConv(e, g, new ConvParts(node.Inputs[0], node.Inputs[1], f.Geometry, 1), f.HasBias ? e.Emit(node.Inputs[2]) : null);
        return f.Activation is IdentityOp ? conv : e.Unary(f.Activation, conv, node);
    }

    private static string EmitConv(OnnxEmitter e, OnnxGraphBuilder g, ConvParts conv, string? bias)
    {
        var geo = conv.Geometry;
        string[] inputs = bias is null ? [e.Emit(conv.X), e.Emit(conv.Weight)] : [e.Emit(conv.X), e.Emit(conv.Weight), bias];
        return g.Node("Conv", inputs, Ints("kernel_shape", [geo.R, geo.S]), Ints("strides", [geo.StrideH, geo.StrideW]),
            Ints("pads", [geo.PadH, geo.PadW, geo.PadH, geo.PadW]), Ints("dilations", [geo.DilationH, geo.DilationW]),
            Int("group", conv.Groups));
    }

    // View [N, C, P, Q] ← Sum over dim 1 / (R·S) ← Im2Col(View(x [N, C, H, W]) [N·C, 1, H, W], pad 0): a plain mean pool
    private static PoolParts? Pool(TraceNode view)
    {
        if (view.Shape.Length != 4 || view.Inputs[0] is not { Op: IUnaryFunction { Op: DivScalarOp divisor } } mean) return null;
        var sum = mean.Inputs[0];
        if (sum is not { Op: ReduceFunction { Reduction: { Kind: ReduceKind.Sum, Dims: [1] } } } || sum.Shape.Length != 2) return null;
        if (sum.Inputs[0] is not { Op: Im2ColFunction im2col } cols) return null;
        var (geometry, padValue) = im2col.Windows;
        if (padValue != 0f || geometry.DilationH != 1 || geometry.DilationW != 1 || divisor.Value != geometry.R * geometry.S) return null;
        if (cols.Inputs[0] is not { Op: ViewFunction } planes || planes.Inputs[0].Shape.Length != 4) return null;
        return new PoolParts(planes.Inputs[0], geometry);
    }

    private static string EmitPool(OnnxEmitter e, OnnxGraphBuilder g, PoolParts pool)
    {
        var geo = pool.Geometry;
        return g.Node("AveragePool", [e.Emit(pool.X)], Ints("kernel_shape", [geo.R, geo.S]), Ints("strides", [geo.StrideH, geo.StrideW]),
            Ints("pads", [geo.PadH, geo.PadW, geo.PadH, geo.PadW]), Int("count_include_pad", 1));
    }

    // Gather(weight [V, D], dim 0, Expand(View(ids [M]) [M, 1]) [M, D]) is index_select: ONNX Gather on the ids.
    private static TraceNode? Lookup(TraceNode gather)
    {
        if (gather.Inputs[0].Shape.Length != 2 || gather.Inputs[1] is not { Op: ExpandFunction } expanded) return null;
        if (expanded.Inputs[0] is not { Op: ViewFunction, Shape: [_, 1] } column) return null;
        var ids = column.Inputs[0];
        return ids.Shape.Length == 1 ? ids : null;
    }
}
