using DeepNet.Tensors;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// torch.nn.functional.cross_entropy on the fused kernel (Kernels/Fused/SoftmaxCrossEntropy) for
/// every rank: logits [N, C, d...] become rows [M, C] (class dim last, a contiguous copy when
/// needed), the kernel yields the per-row losses, and the reduction follows PyTorch (a weighted
/// mean divides by Σ w[target] over non-ignored targets, a mean over probability targets by M).
/// tests/DeepNet.Tests/Tensors/CrossEntropyTests asserts equality with the composite, forward and gradients.
/// </summary>
internal sealed class SoftmaxCrossEntropyFunction : Function
{
    private const string Op = "cross_entropy";
    private SoftmaxCrossEntropy _forward;
    private Tensor _rows = null!;

    public override string Name => "CrossEntropyBackward";

    public static Tensor Apply(Tensor logits, Tensor target, Tensor? weight, int ignoreIndex, float labelSmoothing, Reduction reduction)
    {
        Tensor.CheckSameDevice(Op, logits, target);
        if (weight is not null) Tensor.CheckSameDevice(Op, logits, weight);
        var g = CrossEntropyGeometry.From(Op, logits.ShapeArray, target.ShapeArray, weight?.ShapeArray, ignoreIndex, labelSmoothing);
        if (target.DType != DType.Float32 || logits.DType != DType.Float32)
        {
            // Int64 labels (the usual case) as float32 for the kernel; the converted copies die here, the result stays.
            using var logits32 = AsFloat32(logits, "logits");
            using var target32 = TargetAsFloat32(target, g);
            using var weight32 = weight?.To(DType.Float32);
            return Apply(logits32, target32, weight32, ignoreIndex, labelSmoothing, reduction);
        }
        // [M, C] logits and [M] labels are already the kernel's rows: no views (and no view nodes in the graph).
        var rows = logits.Rank == 2 && logits.IsContiguous ? logits : ToRows(logits, g);
        Tensor targetRows;
        Tensor? weightDense;
        using (GradMode.NoGrad())
        {
            targetRows = g.Probabilities != 0 ? ToRows(target, g)
                : target.Rank == 1 && target.IsContiguous ? target : target.Reshape(g.Rows);
            weightDense = weight?.Contiguous();
        }
        try
        {
            using var rowWeight = Tensor.Empty([g.Rows], logits.Device);
            using var perRow = Forward(g, rows, targetRows, weightDense, rowWeight);
            switch (reduction)
            {
                case Reduction.None:
                    int classDim = CrossEntropyGeometry.ClassDim(logits.Rank);
                    return perRow.Reshape([.. logits.ShapeArray.Where((_, d) => d != classDim)]);
                case Reduction.Sum: return perRow.Sum();
                default:
                    using (var total = perRow.Sum())
                    using (var divisor = rowWeight.Sum())
                        return total.Div(divisor);
            }
        }
        finally
        {
            if (!ReferenceEquals(rows, logits)) rows.Dispose();
            if (!ReferenceEquals(targetRows, target)) targetRows.Dispose();
            weightDense?.Dispose();
        }
    }

    // loss = Σ_c a_c·(lse − x_c) ⇒ dx = (Σ_c a_c·softmax(x) − a)·dloss, row by row
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var f = _forward.Geometry;
        var gradLogits = Tensor.Empty([f.Rows, f.Classes], _rows.Device);
        _rows.Backend.Run(new SoftmaxCrossEntropyBackward(_forward, gradOutput.Buffer, gradOutput.Layout.Offset,
            gradOutput.Layout.Strides[0], gradLogits.Buffer));
        return Gradient(gradLogits);
    }

    private static Tensor AsFloat32(Tensor logits, string what) => logits.DType.IsFloatingPoint() && logits.DType != DType.Float64
        ? logits.To(DType.Float32)
        : throw new ArgumentException($"{Op}: {what} must be Float32 (or BFloat16/Float16, computed in Float32), got {logits.DType}");

    /// <summary>
    /// Int64/Int32 class indices go to the kernel as float32: exact for every index below 2^24, and
    /// with at most 2^24 classes a larger index stays out of range after rounding, so it is still refused.
    /// </summary>
    private static Tensor TargetAsFloat32(Tensor target, CrossEntropyGeometry g)
    {
        if (g.Probabilities != 0) return AsFloat32(target, "probability targets");
        if (target.DType is not (DType.Int64 or DType.Int32 or DType.Float32))
            throw new ArgumentException($"{Op}: class-index targets must be Int64 (or Int32, or Float32 holding integers), got {target.DType}");
        if (g.Classes > 1 << 24)
            throw new ArgumentException($"{Op}: {g.Classes} classes exceed the 2^24 the kernel indexes exactly");
        return target.To(DType.Float32);
    }

    private static Tensor Forward(CrossEntropyGeometry g, Tensor rows, Tensor target, Tensor? weight, Tensor rowWeight)
    {
        var device = rows.Device;
        var loss = Tensor.Empty([g.Rows], device);
        using var logSumExp = Tensor.Empty([g.Rows], device);
        using var rowScale = Tensor.Empty([g.Rows], device);
        var op = new SoftmaxCrossEntropy(g, rows.Buffer, rows.Layout.Offset, target.Buffer, target.Layout.Offset,
            weight?.Buffer, weight?.Layout.Offset ?? 0, loss.Buffer, logSumExp.Buffer, rowScale.Buffer, rowWeight.Buffer);
        rows.Backend.Run(op);
        if (!ShouldRecord(rows)) return loss;
        var node = new SoftmaxCrossEntropyFunction { _forward = op };
        // The op holds these buffers; the saved aliases keep them alive until backward.
        node._rows = node.Save(rows);
        node.Save(target);
        node.Save(logSumExp);
        node.Save(rowScale);
        if (weight is not null) node.Save(weight);
        return node.Record(loss, rows);
    }

    /// <summary>x [N, C, d...] → [M, C] contiguous with the class dim last; [C] → [1, C].</summary>
    private static Tensor ToRows(Tensor x, CrossEntropyGeometry g)
    {
        if (x.Rank <= 2) return x.Reshape(g.Rows, g.Classes);
        using var classLast = x.Permute([0, .. Enumerable.Range(2, x.Rank - 2), 1]);
        return classLast.Reshape(g.Rows, g.Classes);
    }
}
