using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Kernels.Fused;

namespace DeepNet.Tensors;

// Fused, in-place optimizer updates: one kernel pass over parameter, gradient and state, for the
// optimizers (which may not call kernels themselves). Each is a Kernels/Fused unit (AdamUpdateOp,
// SgdUpdateOp, RmsPropUpdateOp) holding the formula once; the *All forms run many parameters through
// MultiTensorUpdate (one GPU launch per 16 parameters). Oracle: tests/DeepNet.Tests/Tensors/FusedOptimizerTests.
public sealed partial class Tensor
{
    /// <summary>
    /// One Adam/AdamW step on this parameter, in place, as torch.optim.Adam(W) at step count
    /// <paramref name="step"/> (≥ 1): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ)·m/(√v̂/√(1−β₂ᵗ) + ε),
    /// v̂ = max(v̂, v) kept in <paramref name="maxExpAvgSq"/> with AMSGrad (required then, ignored otherwise).
    /// grad and the state tensors have this shape; this and the state tensors are contiguous.
    /// </summary>
    public Tensor AdamUpdate(Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, long step, AdamOptions options)
    {
        var item = new AdamUpdateItem(this, grad, expAvg, expAvgSq, maxExpAvgSq, step, options);
        CheckAdam(item);
        if (DType == DType.Float64)
        {
            AdamFloat64(item);
            return this;
        }
        using var g = ContiguousGrad(grad);
        Backend.Run(AdamOp(item, g));
        return this;
    }

    /// <summary>
    /// <see cref="AdamUpdate"/> for many parameters at once (torch's fused/foreach Adam): float32
    /// parameters of one GPU run in ⌈n / 16⌉ launches instead of n; results equal n single updates.
    /// Every item is checked before any is updated; a parameter may appear only once.
    /// </summary>
    public static void AdamUpdateAll(IReadOnlyList<AdamUpdateItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = 0; i < items.Count; i++) CheckAdam(items[i]);
        CheckDistinct("adam_update", items, static i => i.Parameter);
        RunAll<AdamUpdateItem, AdamUpdateOp, AdamUpdateOp.Entry>(items, i => i.Parameter, i => i.Grad, AdamFloat64, AdamOp);
    }

    /// <summary>
    /// One SGD step on this parameter, in place, as torch.optim.SGD: d = g + λ·p; with momentum μ,
    /// b = d when <paramref name="firstStep"/>, else b = μ·b + (1 − τ)·d, then d = d + μ·b (Nesterov)
    /// or d = b; p ← p − lr·d. <paramref name="momentumBuffer"/> (this shape, contiguous) is
    /// required when μ ≠ 0 and ignored otherwise.
    /// </summary>
    public Tensor SgdUpdate(Tensor grad, Tensor? momentumBuffer, bool firstStep, SgdOptions options)
    {
        var item = new SgdUpdateItem(this, grad, momentumBuffer, firstStep, options);
        CheckSgd(item);
        if (DType == DType.Float64)
        {
            SgdFloat64(item);
            return this;
        }
        using var g = ContiguousGrad(grad);
        Backend.Run(SgdOp(item, g));
        return this;
    }

    /// <summary><see cref="SgdUpdate"/> for many parameters at once; see <see cref="AdamUpdateAll"/>.</summary>
    public static void SgdUpdateAll(IReadOnlyList<SgdUpdateItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = 0; i < items.Count; i++) CheckSgd(items[i]);
        CheckDistinct("sgd_update", items, static i => i.Parameter);
        RunAll<SgdUpdateItem, SgdUpdateOp, SgdUpdateOp.Entry>(items, i => i.Parameter, i => i.Grad, SgdFloat64, SgdOp);
    }

    /// <summary>
    /// One RMSprop step on this parameter, in place, as torch.optim.RMSprop: g ← g + λ·p; v ← α·v + (1 − α)·g²;
    /// centered: ḡ ← α·ḡ + (1 − α)·g and d = √(v − ḡ²) + ε, else d = √v + ε; with momentum μ &gt; 0: b ← μ·b + g/d,
    /// p ← p − lr·b, else p ← p − lr·g/d. <paramref name="gradAvg"/> is required when centered and
    /// <paramref name="momentumBuffer"/> when μ &gt; 0 (each ignored otherwise); state tensors: this shape, contiguous.
    /// </summary>
    public Tensor RmsPropUpdate(Tensor grad, Tensor squareAvg, Tensor? gradAvg, Tensor? momentumBuffer, RmsPropOptions options)
    {
        var item = new RmsPropUpdateItem(this, grad, squareAvg, gradAvg, momentumBuffer, options);
        CheckRmsProp(item);
        if (DType == DType.Float64)
        {
            RmsPropFloat64(item);
            return this;
        }
        using var g = ContiguousGrad(grad);
        Backend.Run(RmsPropOp(item, g));
        return this;
    }

    /// <summary><see cref="RmsPropUpdate"/> for many parameters at once; see <see cref="AdamUpdateAll"/>.</summary>
    public static void RmsPropUpdateAll(IReadOnlyList<RmsPropUpdateItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = 0; i < items.Count; i++) CheckRmsProp(items[i]);
        CheckDistinct("rmsprop_update", items, static i => i.Parameter);
        RunAll<RmsPropUpdateItem, RmsPropUpdateOp, RmsPropUpdateOp.Entry>(items, i => i.Parameter, i => i.Grad, RmsPropFloat64, RmsPropOp);
    }

    private static void CheckAdam(in AdamUpdateItem item)
    {
        var (p, o) = (item.Parameter ?? throw new ArgumentNullException(nameof(item), "adam_update: parameter is null"), item.Options);
        if (item.Step < 1) throw new ArgumentException($"adam_update: step count must be >= 1, got {item.Step}");
        if (o.Amsgrad && item.MaxExpAvgSq is null)
            throw new ArgumentException($"adam_update: AMSGrad needs a max_exp_avg_sq tensor of shape {p.Shape}");
        p.CheckUpdateOperands("adam_update", item.Grad, item.ExpAvg, item.ExpAvgSq, o.Amsgrad ? item.MaxExpAvgSq : null);
    }

    private static void CheckSgd(in SgdUpdateItem item)
    {
        var (p, o) = (item.Parameter ?? throw new ArgumentNullException(nameof(item), "sgd_update: parameter is null"), item.Options);
        if (o.Momentum != 0 && item.MomentumBuffer is null)
            throw new ArgumentException($"sgd_update: momentum {o.Momentum} needs a momentum buffer of shape {p.Shape}");
        p.CheckUpdateOperands("sgd_update", item.Grad, o.Momentum != 0 ? item.MomentumBuffer : null);
    }

    private static void CheckRmsProp(in RmsPropUpdateItem item)
    {
        var (p, o) = (item.Parameter ?? throw new ArgumentNullException(nameof(item), "rmsprop_update: parameter is null"), item.Options);
        if (o.Centered && item.GradAvg is null)
            throw new ArgumentException($"rmsprop_update: centered RMSprop needs a grad_avg tensor of shape {p.Shape}");
        if (o.Momentum > 0 && item.MomentumBuffer is null)
            throw new ArgumentException($"rmsprop_update: momentum {o.Momentum} needs a momentum buffer of shape {p.Shape}");
        p.CheckUpdateOperands("rmsprop_update", item.Grad, item.SquareAvg, o.Centered ? item.GradAvg : null, o.Momentum > 0 ? item.MomentumBuffer : null);
    }

    // The fused ops (float32): constants in double, rounded once; g is the contiguous gradient.
    private static AdamUpdateOp AdamOp(AdamUpdateItem item, Tensor g)
    {
        var (p, o) = (item.Parameter, item.Options);
        var constants = AdamUpdateOp.Constants.Create(item.Step, o.LearningRate, o.Beta1, o.Beta2, o.Eps, o.WeightDecay, o.DecoupledWeightDecay, o.Amsgrad);
        return new AdamUpdateOp(constants, p.Size, Slice(p), Slice(g), Slice(item.ExpAvg), Slice(item.ExpAvgSq), SliceOrNull(o.Amsgrad ? item.MaxExpAvgSq : null));
    }

    private static SgdUpdateOp SgdOp(SgdUpdateItem item, Tensor g)
    {
        var (p, o) = (item.Parameter, item.Options);
        var constants = SgdUpdateOp.Constants.Create(o.LearningRate, o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov, item.FirstStep);
        return new SgdUpdateOp(constants, p.Size, Slice(p), Slice(g), SliceOrNull(o.Momentum != 0 ? item.MomentumBuffer : null));
    }

    private static RmsPropUpdateOp RmsPropOp(RmsPropUpdateItem item, Tensor g)
    {
        var (p, o) = (item.Parameter, item.Options);
        var constants = RmsPropUpdateOp.Constants.Create(o.LearningRate, o.Alpha, o.Eps, o.WeightDecay, o.Momentum, o.Centered);
        return new RmsPropUpdateOp(constants, p.Size, Slice(p), Slice(g), Slice(item.SquareAvg),
            SliceOrNull(o.Centered ? item.GradAvg : null), SliceOrNull(o.Momentum > 0 ? item.MomentumBuffer : null));
    }

    /// <summary>
    /// Float64 parameters one by one (composites); float32 ones as one multi-tensor op per backend,
    /// so parameters on one GPU share launches. Gradient copies (non-contiguous gradients) live until
    /// the ops ran. The lists are per thread and reused: an optimizer step allocates none.
    /// </summary>
    private static void RunAll<TItem, TOp, TEntry>(IReadOnlyList<TItem> items, Func<TItem, Tensor> parameter, Func<TItem, Tensor> grad,
        Action<TItem> float64, Func<TItem, Tensor, TOp> fused)
        where TOp : struct, IMultiTensorUpdate<TEntry>
        where TEntry : struct, IMultiTensorEntry
    {
        var work = UpdateWork<TOp>.Take();
        try
        {
            for (int i = 0; i < items.Count; i++)
            {
                var p = parameter(items[i]);
                if (p.DType == DType.Float64) float64(items[i]);
                else if (!work.Backends.Contains(p.Backend)) work.Backends.Add(p.Backend);
            }
            foreach (var backend in work.Backends)
            {
                work.Ops.Clear();
                for (int i = 0; i < items.Count; i++)
                {
                    var p = parameter(items[i]);
                    if (p.DType == DType.Float64 || p.Backend != backend) continue;
                    var g = grad(items[i]);
                    if (!g.IsContiguous) work.Copies.Add(g = g.Detach().Contiguous());
                    work.Ops.Add(fused(items[i], g));
                }
                backend.Run(new MultiTensorUpdate<TOp, TEntry>(work.Ops));
            }
        }
        finally { UpdateWork<TOp>.Return(work); }
    }

    /// <summary>RunAll's lists, one set per thread and op type (a nested or concurrent update on the thread gets fresh ones).</summary>
    private sealed class UpdateWork<TOp>
    {
        [ThreadStatic] private static UpdateWork<TOp>? _cached;

        public readonly List<IBackend> Backends = [];
        public readonly List<TOp> Ops = [];
        public readonly List<Tensor> Copies = [];

        public static UpdateWork<TOp> Take()
        {
            var work = _cached ?? new UpdateWork<TOp>();
            _cached = null;
            return work;
        }

        public static void Return(UpdateWork<TOp> work)
        {
            foreach (var copy in work.Copies) copy.Dispose();
            work.Copies.Clear();
            work.Ops.Clear();
            work.Backends.Clear();
            _cached = work;
        }
    }

    private static void CheckDistinct<TItem>(string op, IReadOnlyList<TItem> items, Func<TItem, Tensor> parameter)
    {
        // Pairwise below a few dozen parameters (no set to allocate); a set above, where n² would show.
        const int PairwiseUpTo = 64;
        if (items.Count <= PairwiseUpTo)
        {
            for (int i = 1; i < items.Count; i++)
            {
                var p = parameter(items[i]);
                for (int j = 0; j < i; j++)
                    if (SameSlot(p, parameter(items[j]))) throw AppearsTwice(op, p);
            }
            return;
        }
        var seen = new HashSet<(DeviceBuffer, long)>();
        for (int i = 0; i < items.Count; i++)
        {
            var p = parameter(items[i]);
            if (!seen.Add((p.Buffer, p.Layout.Offset))) throw AppearsTwice(op, p);
        }
    }

    private static bool SameSlot(Tensor a, Tensor b) => ReferenceEquals(a.Buffer, b.Buffer) && a._offset == b._offset;

    private static ArgumentException AppearsTwice(string op, Tensor p) =>
        new($"{op}: parameter {p.Shape} appears twice in one update (same storage and offset)");

    // Float64 parameters: the same formulas as composites of double ops, every constant in double
    // (the fused kernels are float32). State tensors are in the parameter's dtype (ParameterState).
    private static void AdamFloat64(AdamUpdateItem item) =>
        item.Parameter.AdamFloat64(item.Grad, item.ExpAvg, item.ExpAvgSq, item.Options.Amsgrad ? item.MaxExpAvgSq : null, item.Step, item.Options);

    private static void SgdFloat64(SgdUpdateItem item) =>
        item.Parameter.SgdFloat64(item.Grad, item.Options.Momentum != 0 ? item.MomentumBuffer : null, item.FirstStep, item.Options);

    private static void RmsPropFloat64(RmsPropUpdateItem item) => item.Parameter.RmsPropFloat64(item.Grad, item.SquareAvg,
        item.Options.Centered ? item.GradAvg : null, item.Options.Momentum > 0 ? item.MomentumBuffer : null, item.Options);

    private void AdamFloat64(Tensor grad, Tensor m, Tensor v, Tensor? vMax, long step, AdamOptions o)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        var g = grad.Detach().To(DType.Float64);
        if (o.DecoupledWeightDecay) CopyFrom(this * D(1 - o.LearningRate * o.WeightDecay));
        else if (o.WeightDecay != 0) g = g + this * D(o.WeightDecay);
        m.CopyFrom(m * D(o.Beta1) + g * D(1 - o.Beta1));
        v.CopyFrom(v * D(o.Beta2) + g * g * D(1 - o.Beta2));
        var second = v;
        if (vMax is not null)
        {
            vMax.CopyFrom(vMax.Maximum(v));
            second = vMax;
        }
        double stepSize = o.LearningRate / (1 - Math.Pow(o.Beta1, step));
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(o.Beta2, step));
        CopyFrom(this - m * D(stepSize) / (second.Sqrt() / D(biasCorrection2Sqrt) + D(o.Eps)));
    }

    private void SgdFloat64(Tensor grad, Tensor? buffer, bool firstStep, SgdOptions o)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        var d = grad.Detach().To(DType.Float64);
        if (o.WeightDecay != 0) d = d + this * D(o.WeightDecay);
        if (buffer is not null)
        {
            buffer.CopyFrom(firstStep ? d : buffer * D(o.Momentum) + d * D(1 - o.Dampening));
            d = o.Nesterov ? d + buffer * D(o.Momentum) : buffer;
        }
        CopyFrom(this - d * D(o.LearningRate));
    }

    private void RmsPropFloat64(Tensor grad, Tensor squareAvg, Tensor? gradAvg, Tensor? buffer, RmsPropOptions o)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        var g = grad.Detach().To(DType.Float64);
        if (o.WeightDecay != 0) g = g + this * D(o.WeightDecay);
        squareAvg.CopyFrom(squareAvg * D(o.Alpha) + g * g * D(1 - o.Alpha));
        Tensor avg;
        if (gradAvg is not null)
        {
            gradAvg.CopyFrom(gradAvg * D(o.Alpha) + g * D(1 - o.Alpha));
            avg = (squareAvg - gradAvg * gradAvg).Sqrt() + D(o.Eps);
        }
        else avg = squareAvg.Sqrt() + D(o.Eps);
        if (buffer is not null)
        {
            buffer.CopyFrom(buffer * D(o.Momentum) + g / avg);
            CopyFrom(this - buffer * D(o.LearningRate));
        }
        else CopyFrom(this - g / avg * D(o.LearningRate));
    }

    /// <summary>A Float64 scalar on this tensor's device (a double constant, unrounded).</summary>
    private Tensor D(double value) => Full([], value, DType.Float64, Device);

    private static Tensor ContiguousGrad(Tensor grad) => grad.IsContiguous ? grad.Alias() : grad.Detach().Contiguous();

    private static ContiguousSlice Slice(Tensor t) => new(t.Buffer, t.Layout.Offset);

    private static ContiguousSlice? SliceOrNull(Tensor? t) => t is null ? null : Slice(t);

    /// <summary>Same device and shape as this parameter; this and the state tensors contiguous (no params array: it runs per parameter per step).</summary>
    private void CheckUpdateOperands(string op, Tensor grad, Tensor? s0 = null, Tensor? s1 = null, Tensor? s2 = null)
    {
        CheckInPlace(op);
        CheckUpdateOperand(op, grad, isGrad: true);
        CheckUpdateOperand(op, s0, isGrad: false);
        CheckUpdateOperand(op, s1, isGrad: false);
        CheckUpdateOperand(op, s2, isGrad: false);
        if (!IsContiguous) throw new ArgumentException($"{op}: parameter {Shape} must be contiguous");
    }

    private void CheckUpdateOperand(string op, Tensor? t, bool isGrad)
    {
        if (t is null) return;
        CheckSameDevice(op, this, t);
        if (!t._shape.AsSpan().SequenceEqual(_shape)) throw new ArgumentException($"{op}: tensor {t.Shape} must have the parameter's shape {Shape}");
        if (!isGrad && !t.IsContiguous) throw new ArgumentException($"{op}: state tensor {t.Shape} must be contiguous");
    }
}
