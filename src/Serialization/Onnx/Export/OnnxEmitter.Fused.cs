using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Geometry;
using static DeepNet.Serialization.Onnx.Export.OnnxGraphBuilder;

namespace DeepNet.Serialization.Onnx.Export;

// The fused primitives (Kernels/Fused) as opset-17 nodes: softmax / log_softmax on their axis, layer norm
// as LayerNormalization, attention spelled out (opset 17 has no attention op) and max-pool as MaxPool.
// Each op's parameters must agree between the two traces; only the batch may change.
internal sealed partial class OnnxEmitter
{
    private string Softmax(TraceNode node, SoftmaxFunction softmax)
    {
        var (dim, log) = softmax.Axis;
        if (((SoftmaxFunction)node.OpB!).Axis != softmax.Axis) throw Unsupported(node, "the softmax dim changes with the batch");
        string op = log ? "LogSoftmax" : "Softmax";
        var x = In(node, 0);
        if (node.Shape.Length > 0) return g.Node(op, [x], Int("axis", dim));
        // ONNX's softmax needs an axis: a scalar is one row of one element, as DeepNet and torch take it.
        return g.Node("Reshape", [g.Node(op, [g.Node("Reshape", [x, g.Int64s(1)])], Int("axis", 0)), g.Int64s()]);
    }

    // Inputs x, then weight and bias when the op had them; ONNX requires a scale, so ones stand in for no weight.
    private string LayerNorm(TraceNode node, LayerNormFunction norm)
    {
        var (shape, eps, hasWeight, hasBias) = norm.Normalization;
        if (!((LayerNormFunction)node.OpB!).Normalization.NormalizedShape.AsSpan().SequenceEqual(shape))
            throw Unsupported(node, "the normalized shape changes with the batch");
        var inputs = new List<string> { In(node, 0) };
        inputs.Add(hasWeight ? In(node, 1) : g.FloatInitializer(null, Enumerable.Repeat(1f, shape.Aggregate(1, (n, d) => n * d)).ToArray(), shape));
        if (hasBias) inputs.Add(In(node, hasWeight ? 2 : 1));
        return g.Node("LayerNormalization", inputs, Int("axis", -shape.Length), Float("epsilon", eps));
    }

    // softmax(scale·q·kᵀ + attn_mask + padding, causal keys j ≤ i)·v. q [N, H, L, D], k [N, H, S, D],
    // v [N, H, S, Dv], the masks (inputs 3.., as recorded) additive and broadcast by ONNX as by the kernel.
    // The kernel's output is [N, L, H, Dv] (the op returns a permuted view of it), so the result is too.
    private string Attention(TraceNode node, AttentionFunction attention)
    {
        var geo = attention.Geometry;
        if (geo.Dropout != 0f)
            throw Unsupported(node, $"attention dropout (p = {geo.Dropout}) draws random numbers; export with dropout_p 0 (layers turn it off in eval)");
        var scores = g.Node("Mul", [g.Node("MatMul", [In(node, 0), g.Node("Transpose", [In(node, 1)], Ints("perm", [0, 1, 3, 2]))]), g.Scalar(geo.Scale)]);
        int next = 3;
        if (geo.HasMask != 0) scores = g.Node("Add", [scores, In(node, next++)]);
        if (geo.HasPadding != 0) scores = g.Node("Add", [scores, In(node, next)]);
        if (geo.Causal != 0) scores = g.Node("Add", [scores, CausalMask(node, geo)]);
        var weights = g.Node("Softmax", [scores], Int("axis", -1));
        return g.Node("Transpose", [g.Node("MatMul", [weights, In(node, 2)])], Ints("perm", [0, 2, 1, 3]));
    }

    // [L, S]: 0 where key j ≤ query i, −∞ after it (the keys the kernel never reads).
    private string CausalMask(TraceNode node, AttentionGeometry geo)
    {
        var other = ((AttentionFunction)node.OpB!).Geometry;
        if (other.L != geo.L || other.S != geo.S)
            throw Unsupported(node, $"a causal mask needs fixed sequence lengths, but they are {geo.L}×{geo.S} and {other.L}×{other.S} at the two batch sizes");
        var mask = new float[(long)geo.L * geo.S];
        for (int i = 0; i < geo.L; i++)
            for (int j = geo.KeyEnd(i); j < geo.S; j++) mask[(long)i * geo.S + j] = float.NegativeInfinity;
        return g.FloatInitializer(null, mask, [geo.L, geo.S]);
    }

    // MaxPool with the op's kernel, stride, padding and dilation. P and Q already follow DeepNet's (torch's)
    // ceil-mode rule; rather than ONNX's ceil_mode, the extra bottom/right windows get explicit −∞ rows and
    // columns, so floor division gives exactly P and Q, as the composite's −∞ blocks did.
    private string MaxPool(TraceNode node, MaxPool2DFunction pool)
    {
        var geo = pool.Geometry;
        if (((MaxPool2DFunction)node.OpB!).Geometry with { Planes = 0 } != geo with { Planes = 0 })
            throw Unsupported(node, "the pooling windows change with the batch");
        long extraH = Overhang(geo.H, geo.R, geo.StrideH, geo.PadH, geo.DilationH, geo.P);
        long extraW = Overhang(geo.W, geo.S, geo.StrideW, geo.PadW, geo.DilationW, geo.Q);
        var x = In(node, 0);
        if (extraH > 0 || extraW > 0)
            x = g.Node("Pad", [x, g.Int64s(0, 0, 0, 0, 0, 0, extraH, extraW), g.Scalar(float.NegativeInfinity)]);
        return g.Node("MaxPool", [x], Ints("kernel_shape", [geo.R, geo.S]), Ints("strides", [geo.StrideH, geo.StrideW]),
            Ints("pads", [geo.PadH, geo.PadW, geo.PadH, geo.PadW]), Ints("dilations", [geo.DilationH, geo.DilationW]));
    }

    // Rows past size + 2·pad that the last of `windows` windows reads (0 unless ceil mode added it).
    private static long Overhang(int size, int kernel, int stride, int pad, int dilation, int windows) =>
        Math.Max(0L, (long)(windows - 1) * stride + (long)dilation * (kernel - 1) + 1 - (size + 2L * pad));
}
