using DeepNet.Autograd;
using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// Losses on tensors, with PyTorch's reductions (Reduction.Mean by default).
public sealed partial class Tensor
{
    /// <summary>
    /// torch.nn.functional.cross_entropy on one fused softmax + cross entropy kernel. Logits [N, C]
    /// or [N, C, d1, ...] (or [C]); target: class indices [N, d1, ...] as Int64 (or Int32, or Float32
    /// holding exact integers) in [0, C), or <paramref name="ignoreIndex"/>, which contributes nothing, or class
    /// probabilities of the logits' shape. weight: [C] class weights (constants: no gradient).
    /// With label smoothing ε the target becomes (1 − ε)·target + ε/C. Mean divides by Σ w[target]
    /// over non-ignored targets (by N·d1·… for probabilities); None gives [N, d1, ...].
    /// </summary>
    public Tensor CrossEntropy(Tensor target, Tensor? weight = null, int ignoreIndex = -100, float labelSmoothing = 0f,
        Reduction reduction = Reduction.Mean)
    {
        bool float64 = DType == DType.Float64 || weight?.DType == DType.Float64 || (target.DType == DType.Float64 && target.Shape == Shape);
        // Probabilities that need their own gradient (torch gives one): the composite, differentiable in
        // both; the fused kernel differentiates the logits only.
        bool targetGradient = target.Shape == Shape && target.RequiresGrad && GradMode.IsEnabled;
        return float64 || targetGradient
            ? CrossEntropyComposite(target, weight, ignoreIndex, labelSmoothing, reduction, float64 ? DType.Float64 : DType.Float32)
            : SoftmaxCrossEntropyFunction.Apply(this, target, weight, ignoreIndex, labelSmoothing, reduction);
    }

    /// <summary>
    /// Cross entropy as a composite (Float64 always; Float32 when probability targets need a
    /// gradient): the fused kernel's definition, loss_row = −Σ_c a_c·log_softmax(x)_c with
    /// a_c = w_c·((1 − ε)·[c = t] + ε/C) for index targets (ignored rows 0, the mean divided by Σ w[t])
    /// and a_c = w_c·((1 − ε)·p_c + ε/C) for probabilities (mean over rows; differentiable in p).
    /// </summary>
    private Tensor CrossEntropyComposite(Tensor target, Tensor? weight, int ignoreIndex, float labelSmoothing, Reduction reduction, DType dtype)
    {
        const string op = "cross_entropy";
        var g = CrossEntropyGeometry.From(op, ShapeArray, target.ShapeArray, weight?.ShapeArray, ignoreIndex, labelSmoothing);
        bool probabilities = g.Probabilities != 0;
        if (!probabilities) CheckIndexValues(op, target, g.Classes, ignoreIndex);
        int classDim = CrossEntropyGeometry.ClassDim(Rank);
        int[] perRowShape = [.. ShapeArray.Where((_, d) => d != classDim)];
        return DisposeScope.Run(() =>
        {
            Tensor Rows(Tensor x) => x.Rank <= 2 ? x.Reshape(g.Rows, g.Classes)
                : x.Permute([0, .. Enumerable.Range(2, x.Rank - 2), 1]).Reshape(g.Rows, g.Classes);
            var logp = Rows(To(dtype)).LogSoftmax(1);                                          // [M, C]
            var w = weight is null ? Ones([1, g.Classes], dtype, Device) : weight.Detach().To(dtype).Reshape(1, g.Classes);
            // (1 − ε)·p + ε/C as ((1 − ε)·C·p + ε)/C: every scalar exact in double (ε/C rounded in float is not).
            Tensor Smoothed(Tensor p) => (p * ((1f - labelSmoothing) * g.Classes) + labelSmoothing).Div(g.Classes);
            Tensor a, rowWeight;
            Tensor? keptRows = null;
            if (probabilities)
            {
                a = w * Smoothed(Rows(target.To(dtype)));
                rowWeight = Ones([g.Rows], dtype, Device);
            }
            else
            {
                var t = target.Detach().To(DType.Int64).Reshape(g.Rows, 1);
                keptRows = t.Ne(ignoreIndex);                                                     // [M, 1]
                var kept = keptRows.To(dtype);
                var oneHot = t.Eq(Arange(g.Classes, DType.Int64, Device).Reshape(1, g.Classes)).To(dtype);
                a = w * Smoothed(oneHot) * kept;
                rowWeight = (oneHot * w * kept).Sum(1);
            }
            // a = 0 adds nothing even where log p = −∞ (a masked logit), as torch's nll reads only the target.
            var perRow = -Where(a.Eq(0f), Zeros([], dtype, Device), a * logp).Sum(1);  // [M]
            // Ignored rows get exactly 0 gradient, even from the NaN mean of an all-ignored batch (torch's).
            if (keptRows is not null) perRow = Where(keptRows.Reshape(g.Rows), perRow, Zeros([], dtype, Device));
            return reduction switch
            {
                Reduction.None => perRow.Reshape(perRowShape),
                Reduction.Sum => perRow.Sum(),
                _ => perRow.Sum() / rowWeight.Sum(),
            };
        });
    }

    /// <summary>Mean squared error (this − target)², reduced; shapes must match.</summary>
    public Tensor MseLoss(Tensor target, Reduction reduction = Reduction.Mean)
    {
        if (Shape != target.Shape)
            throw new ArgumentException($"mse_loss: input {Shape} and target {target.Shape} must have the same shape");
        if (Autocast.Raises(this) || Autocast.Raises(target))   // autocast: losses run in float32
            return DisposeScope.Run(() => Autocast.Raise(this).MseLoss(Autocast.Raise(target), reduction));
        using var diff = Sub(target);
        using var squared = diff.Mul(diff);
        return Reduce("mse_loss", squared, reduction);
    }

    /// <summary>
    /// torch.nn.functional.nll_loss on log-probabilities: x: [N, C] or [N, C, d1, ...] (or [C]);
    /// target: class indices [N, d1, ...] as Int64 (or Int32, or Float32 exact integers) in [0, C) or <paramref name="ignoreIndex"/>
    /// (contributes nothing). loss = −weight[t]·x[n, t]; Mean divides by Σ weight[t] over
    /// non-ignored targets, None gives [N, d1, ...]. weight: [C] constants.
    /// </summary>
    public Tensor NllLoss(Tensor target, Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        if (Autocast.Raises(this)) return DisposeScope.Run(() => Autocast.Raise(this).NllLoss(target, weight, ignoreIndex, reduction));
        if (Rank == 1)
        {
            using var rows = Unsqueeze(0);
            using var targets = target.Unsqueeze(0);
            using var loss = rows.NllLoss(targets, weight, ignoreIndex, reduction);
            return reduction == Reduction.None ? loss.Squeeze(0) : loss.AliasInGraph();
        }
        CheckClassIndices("nll_loss", this, target);
        int classes = Shape[1];
        if (weight is not null && (weight.Rank != 1 || weight.Shape[0] != classes))
            throw new ArgumentException($"nll_loss: weight {weight.Shape} must be [{classes}] for input {Shape}");
        CheckTargetValues(target, classes, ignoreIndex);
        return DisposeScope.Run(() =>
        {
            var kept = target.Ne(ignoreIndex);
            var safe = Where(kept, target, Scalar(0f, Device));
            var picked = Gather(1, safe.Unsqueeze(1)).Squeeze(1);
            var w = weight is null ? kept : weight.Detach().IndexSelect(0, safe.Flatten()).Reshape(target.ShapeArray) * kept;
            var perItem = -(picked * w);
            return reduction switch
            {
                Reduction.Mean => perItem.Sum() / w.Sum(),
                Reduction.Sum => perItem.Sum(),
                Reduction.None => perItem,
                _ => throw new ArgumentException($"nll_loss: unknown reduction {reduction}"),
            };
        });
    }

    /// <summary>
    /// torch.nn.functional.binary_cross_entropy_with_logits, stable for any logit:
    /// loss = weight·[posWeight·y·softplus(−x) + (1 − y)·softplus(x)]. x and target: the same shape;
    /// weight broadcasts to it; posWeight broadcasts along the last dim (one per class, [C]).
    /// Targets may be probabilities in [0, 1].
    /// </summary>
    public Tensor BinaryCrossEntropyWithLogits(Tensor target, Tensor? weight = null, Tensor? posWeight = null,
        Reduction reduction = Reduction.Mean)
    {
        if (Shape != target.Shape)
            throw new ArgumentException($"binary_cross_entropy_with_logits: input {Shape} and target {target.Shape} must have the same shape");
        if (Autocast.Raises(this) || Autocast.Raises(target))
            return DisposeScope.Run(() => Autocast.Raise(this).BinaryCrossEntropyWithLogits(Autocast.Raise(target), weight, posWeight, reduction));
        return DisposeScope.Run(() =>
        {
            var perItem = (posWeight is null ? target : posWeight * target) * Softplus(-this) + (1f - target) * Softplus(this);
            if (weight is not null) perItem *= weight;
            return Reduce("binary_cross_entropy_with_logits", perItem, reduction);
        });
    }

    // log(1 + eˣ) = relu(x) + log(1 + e^−|x|); relu and |x| take the same branch at 0 so the gradient there is ½.
    private static Tensor Softplus(Tensor x) => DisposeScope.Run(() =>
    {
        var positive = x.Ge(0f);
        var relu = Where(positive, x, Scalar(0f, x.Device));
        var abs = Where(positive, x, -x);
        return relu + (1f + (-abs).Exp()).Log();
    });

    // Index targets are checked on the host: a fractional or out-of-range label is named with its position.
    // nll_loss's targets, checked on their device (ClassTargetCheck): at once on the CPU, at the next
    // host sync on a GPU, so the step itself never waits for the device.
    private static void CheckTargetValues(Tensor target, int classes, int ignoreIndex)
    {
        if (target.DType is not (DType.Int64 or DType.Int32 or DType.Float32))
            throw new ArgumentException($"nll_loss: class-index targets must be Int64 (or Int32, or Float32 holding integers), got {target.DType}");
        using var plain = target.Detach();
        using var values = plain.To(DType.Float32);
        using var dense = values.Contiguous();
        dense.Backend.Run(new ClassTargetCheck(dense.Buffer, checked((int)dense.Layout.Offset), checked((int)dense.Size), classes, ignoreIndex));
    }

    private static void CheckIndexValues(string op, Tensor target, int classes, int ignoreIndex)
    {
        if (target.DType is DType.Int64 or DType.Int32)
        {
            using var plain = target.Detach();
            using var ids = plain.To(DType.Int64);
            long[] labels = ids.ToArray<long>();
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] != ignoreIndex && (labels[i] < 0 || labels[i] >= classes))
                    throw new ArgumentException($"{op}: target {labels[i]} is out of range for {classes} classes (at flat position {i}; ignore_index {ignoreIndex})");
            return;
        }
        if (target.DType != DType.Float32)
            throw new ArgumentException($"{op}: class-index targets must be Int64 (or Int32, or Float32 holding integers), got {target.DType}");
        float[] values = target.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (v == ignoreIndex) continue;
            if (v != MathF.Floor(v))
                throw new ArgumentException($"{op}: target {v} is not an integer class index (expected 0..{classes - 1}; at flat position {i})");
            if (v < 0 || v >= classes)
                throw new ArgumentException($"{op}: target {v} is out of range for {classes} classes (at flat position {i}; ignore_index {ignoreIndex})");
        }
    }

    /// <summary>Throws unless target holds class indices for class scores [N, C, d...] (the shape rule of cross_entropy and nll_loss).</summary>
    internal static void CheckClassIndices(string op, Tensor scores, Tensor target) =>
        CrossEntropyGeometry.CheckIndexTarget(op, scores.ShapeArray, target.ShapeArray);

    /// <summary>Applies a reduction to per-element values.</summary>
    internal static Tensor Reduce(string op, Tensor perItem, Reduction reduction) => reduction switch
    {
        Reduction.Mean => perItem.Mean(),
        Reduction.Sum => perItem.Sum(),
        Reduction.None => perItem.AliasInGraph(),
        _ => throw new ArgumentException($"{op}: unknown reduction {reduction}"),
    };
}
