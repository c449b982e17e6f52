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
    private Tensor[] _saved = [];

    public override string Name => "CrossEntropyBackward";

    public static Tensor Apply(Tensor logits, Tensor target, Tensor? weight, int ignoreIndex, float labelSmoothing, Reduction reduction)
    {
        Tensor.CheckSameDevice(Op, logits, target);
        if (weight is not null) Tensor.CheckSameDevice(Op, logits, weight);
        var g = CrossEntropyGeometry.From(Op, logits.ShapeArray, target.ShapeArray, weight?.ShapeArray, ignoreIndex, labelSmoothing);
        if (target.DType != DType.Float32 || logits.DType != DType.Float32)
            return DisposeScope.Run(() => Apply(AsFloat32(logits, "logits"), TargetAsFloat32(target, g), weight?.To(DType.Float32), ignoreIndex, labelSmoothing, reduction));
        int[] perRowShape = [.. logits.ShapeArray.Where((_, d) => d != CrossEntropyGeometry.ClassDim(logits.Rank))];
        using var rows = ToRows(logits, g);
        Tensor targetRows;
        Tensor? weightDense;
        using (GradMode.NoGrad())
        {
            targetRows = g.Probabilities != 0 ? ToRows(target, g) : target.Reshape(g.Rows);
            weightDense = weight?.Contiguous();
        }
        using (targetRows)
        using (weightDense)
        using (var rowWeight = Tensor.Empty([g.Rows], logits.Device))
        using (var perRow = Forward(g, rows, targetRows, weightDense, rowWeight))
        {
            switch (reduction)
            {
                case Reduction.None: return perRow.Reshape(perRowShape);
                case Reduction.Sum: return perRow.Sum();
                default:
                    using (var total = perRow.Sum())
                    using (var divisor = rowWeight.Sum())
                        return total.Div(divisor);
            }
        }
    }

    // loss = Σ_c a_c·(lse − x_c) ⇒ dx = (Σ_c a_c·softmax(x) − a)·dloss, row by row
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var f = _forward.Geometry;
        var gradLogits = Tensor.Empty([f.Rows, f.Classes], _saved[0].Device);
        _saved[0].Backend.Run(new SoftmaxCrossEntropyBackward(_forward, gradOutput.Buffer, gradOutput.Layout.Offset,
            gradOutput.Layout.Strides[0], gradLogits.Buffer));
        return [gradLogits];
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
        node._saved = weight is null
            ? [node.Save(rows), node.Save(target), node.Save(logSumExp), node.Save(rowScale)]
            : [node.Save(rows), node.Save(target), node.Save(logSumExp), node.Save(rowScale), node.Save(weight)];
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
