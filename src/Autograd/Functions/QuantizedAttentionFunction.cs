using DeepNet.Kernels;
using DeepNet.Kernels.Fused;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Int8 scaled-dot-product attention for inference (Kernels/Fused/QuantizedAttention): 4-d float32 q [N, H, L, D],
/// k [N, H, S, D], v [N, H, S, Dv], additive masks broadcast to [N, H, L, S] → [N, H, L, Dv] as a permuted view of
/// the dense [N, L, H, Dv] output (as <see cref="AttentionFunction"/>). Records no graph: an input that requires
/// grad under grad mode is refused, as every int8 op refuses it.
/// </summary>
internal static class QuantizedAttentionFunction
{
    private const string Op = "quantized_scaled_dot_product_attention";

    public static Tensor Apply(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? padding, bool causal, float scale)
    {
        Tensor.CheckSameDevice(Op, q, k, v);
        if (mask is not null) Tensor.CheckSameDevice(Op, q, mask);
        if (padding is not null) Tensor.CheckSameDevice(Op, q, padding);
        foreach (var (name, t) in new[] { ("query", q), ("key", k), ("value", v), ("attn_mask", mask), ("key padding mask", padding) })
        {
            if (t is null) continue;
            if (t.DType != DType.Float32)   // the int8 kernel quantizes float32 activations; never a silent cast
                throw new ArgumentException($"{Op}: {name} is {t.DType}; the int8 attention takes Float32 (convert with To(DType.Float32))");
            if (GradMode.IsEnabled && t.RequiresGrad)
                throw new InvalidOperationException(
                    $"{Op}: int8 attention is for inference and has no gradient ({name} requires grad); " +
                    "train with the float attention and run the quantized model under GradMode.NoGrad()");
        }
        if (GraphCapture.IsActive)
            throw new InvalidOperationException($"{Op}: int8 attention has no ONNX export; export the float model before quantizing it");
        if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4)
            throw new ArgumentException($"{Op}: expects 4-d query, key, value [N, H, L, E], got {q.Shape}, {k.Shape}, {v.Shape}");
        int n = q.ShapeArray[0], h = q.ShapeArray[1], l = q.ShapeArray[2], d = q.ShapeArray[3], s = k.ShapeArray[2], dv = v.ShapeArray[3];
        if (k.ShapeArray[0] != n || k.ShapeArray[1] != h || k.ShapeArray[3] != d || v.ShapeArray[0] != n || v.ShapeArray[1] != h || v.ShapeArray[2] != s)
            throw new ArgumentException($"{Op}: query {q.Shape}, key {k.Shape} and value {v.Shape} must be [N, H, L, E], [N, H, S, E] and [N, H, S, Ev]");
        if (d > Int8Quantization.MaxTerms || s > Int8Quantization.MaxTerms)
            throw new ArgumentException($"{Op}: head dim {d} or key count {s} exceeds {Int8Quantization.MaxTerms}, beyond which int32 sums of 255·127 products may overflow");
        // The kernel reads rows with a unit last stride (the projection's head views have one).
        using var dq = UnitLast(q);
        using var dk = UnitLast(k);
        using var dvT = UnitLast(v);
        var g = AttentionFunction.BuildGeometry(dq, dk, dvT, mask, padding, causal, scale, 0f, 0, 0);
        var o = Tensor.Empty([n, l, h, dv], q.Device);
        q.Backend.Run(new QuantizedAttention(g, dq.Buffer, dk.Buffer, dvT.Buffer, mask?.Buffer, padding?.Buffer, o.Buffer));
        using (o) return o.Permute(0, 2, 1, 3);
    }

    private static Tensor UnitLast(Tensor t) => t.Layout.Strides[3] == 1 || t.ShapeArray[3] <= 1 ? t.Alias() : t.Detach().Contiguous();
}
