using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Adam/AdamW update, in place, one pass over param, grad, exp_avg, exp_avg_sq (and max_exp_avg_sq
// with AMSGrad): contiguous runs of one length. Step<TLane> is the formula, written once: the CPU
// body runs it on Vector256Lane with the FloatLane tail (parallel above the threshold), the GPU
// kernel on FloatLane, one thread per element. Offsets are kernel arguments, not sub-views (ILGPU
// assumes view parameters are 256-byte aligned). Oracles: FusedOptimizerTests (torch.optim.Adam(W)
// in double), OptimizerUpdateOpTests (vector body = scalar formula), GpuParityTests.Optimizers.

/// <summary>
/// One Adam/AdamW step as torch.optim.Adam(W) at step count t: decoupled: p ← p·(1 − lr·λ), else
/// g ← g + λ·p; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; v̂ = max(v̂, v) with AMSGrad, else v;
/// p ← p − lr/(1 − β₁ᵗ)·m / (√v̂ / √(1 − β₂ᵗ) + ε). All operands: contiguous runs of <see cref="Length"/> floats.
/// </summary>
public readonly struct AdamUpdateOp : IMultiTensorUpdate<AdamUpdateOp.Entry>
{
    /// <summary>The update, with its constants (computed in double, rounded once to float).</summary>
    public AdamUpdateOp(Constants constants, long length, ContiguousSlice param, ContiguousSlice grad,
        ContiguousSlice expAvg, ContiguousSlice expAvgSq, ContiguousSlice? maxExpAvgSq)
    {
        if (constants.Amsgrad != 0 && maxExpAvgSq is null)
            throw new ArgumentException("adam_update: AMSGrad needs the max_exp_avg_sq buffer");
        (Hyper, Length, Param, Grad, ExpAvg, ExpAvgSq, MaxExpAvgSq) = (constants, length, param, grad, expAvg, expAvgSq, maxExpAvgSq);
    }

    /// <summary>The step's float constants.</summary>
    public Constants Hyper { get; }

    /// <summary>Elements updated.</summary>
    public long Length { get; }

    /// <summary>The operands (updated in place, except the gradient).</summary>
    public ContiguousSlice Param { get; }

    /// <inheritdoc cref="Param"/>
    public ContiguousSlice Grad { get; }

    /// <inheritdoc cref="Param"/>
    public ContiguousSlice ExpAvg { get; }

    /// <inheritdoc cref="Param"/>
    public ContiguousSlice ExpAvgSq { get; }

    /// <summary>The AMSGrad running maximum of v; null without AMSGrad.</summary>
    public ContiguousSlice? MaxExpAvgSq { get; }

    /// <inheritdoc/>
    public string Name => "adam_update";

    /// <summary>The float constants of one step; a plain struct, so it is a GPU kernel argument.</summary>
    public struct Constants
    {
        public float LearningRate, WeightDecay, Decay, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, StepSize, BiasCorrection2Sqrt, Eps;

        /// <summary>1 for AdamW's decoupled decay, 0 for Adam's L2 penalty.</summary>
        public int Decoupled;

        /// <summary>1 when the AMSGrad running maximum is kept.</summary>
        public int Amsgrad;

        /// <summary>
        /// The constants of step <paramref name="step"/> (≥ 1). 1 − β, 1 − lr·λ, lr/(1 − β₁ᵗ) and √(1 − β₂ᵗ) are formed
        /// in double from the double hyper-parameters and rounded once, as torch does (1 − 0.999f in float is 0.000999987).
        /// </summary>
        public static Constants Create(long step, double learningRate, double beta1, double beta2, double eps,
            double weightDecay, bool decoupled, bool amsgrad) => new()
        {
            LearningRate = (float)learningRate, WeightDecay = (float)weightDecay, Decay = (float)(1 - learningRate * weightDecay),
            Beta1 = (float)beta1, OneMinusBeta1 = (float)(1 - beta1), Beta2 = (float)beta2, OneMinusBeta2 = (float)(1 - beta2),
            StepSize = (float)(learningRate / (1 - Math.Pow(beta1, step))),
            BiasCorrection2Sqrt = (float)Math.Sqrt(1 - Math.Pow(beta2, step)),
            Eps = (float)eps, Decoupled = decoupled ? 1 : 0, Amsgrad = amsgrad ? 1 : 0,
        };
    }

    /// <summary>The formula, for one lane of elements: updates m, v (and vMax) and returns the new p.</summary>
    public static T Step<T>(in Constants c, T p, T g, ref T m, ref T v, ref T vMax) where T : struct, ILane<T>
    {
        if (c.Decoupled != 0) p = c.Decay * p;
        else if (c.WeightDecay != 0) g = g + c.WeightDecay * p;
        m = c.Beta1 * m + c.OneMinusBeta1 * g;
        v = c.Beta2 * v + c.OneMinusBeta2 * g * g;
        T vHat = v;
        if (c.Amsgrad != 0)
        {
            vMax = T.Max(vMax, v);
            vHat = vMax;
        }
        return p - c.StepSize * (m / (T.Sqrt(vHat) / c.BiasCorrection2Sqrt + c.Eps));
    }

    /// <inheritdoc/>
    public void RunCpu(CpuBackend cpu) => CpuBackend.For(Length, new CpuBody(this));

    /// <summary>The CPU loop over [lo, hi): a struct, so a step allocates no closure per parameter.</summary>
    private readonly struct CpuBody(AdamUpdateOp op) : IRangeBody
    {
        public void Run(long lo, long hi)
        {
            var (c, count) = (op.Hyper, (int)op.Length);
            var (p, g, m, v, x) = (HostRun.Of(op.Param), HostRun.Of(op.Grad), HostRun.Of(op.ExpAvg), HostRun.Of(op.ExpAvgSq), HostRun.Of(op.MaxExpAvgSq));
            int i = (int)lo, end = (int)hi;
            var runs = new Runs(p.Span(count), g.Span(count), m.Span(count), v.Span(count), x.Span(count));
            for (; i <= end - Vector256Lane.Count; i += Vector256Lane.Count) At<Vector256Lane>(c, runs, i);
            for (; i < end; i++) At<FloatLane>(c, runs, i);
        }
    }

    /// <summary>The kernel: element i of each run, from its offset.</summary>
    public static void UpdateKernel(Index1D i, Constants c, int p0, int g0, int m0, int v0, int x0,
        View p, View g, View m, View v, View vMax) => Element(c, i, p0, g0, m0, v0, x0, p, g, m, v, vMax);

    /// <summary>Element i on the GPU: the per-parameter kernel's body and the multi-tensor entry's.</summary>
    private static void Element(in Constants c, int i, int p0, int g0, int m0, int v0, int x0,
        View p, View g, View m, View v, View vMax)
    {
        FloatLane mi = m[m0 + i], vi = v[v0 + i], xi = c.Amsgrad != 0 ? vMax[x0 + i] : 0f;
        p[p0 + i] = Step<FloatLane>(c, p[p0 + i], g[g0 + i], ref mi, ref vi, ref xi);
        m[m0 + i] = mi;
        v[v0 + i] = vi;
        if (c.Amsgrad != 0) vMax[x0 + i] = xi;
    }

    /// <inheritdoc/>
    public Entry GpuEntry(GpuBackend gpu) => new()
    {
        C = Hyper, Count = (int)Length, P0 = Param.Offset, G0 = Grad.Offset, M0 = ExpAvg.Offset, V0 = ExpAvgSq.Offset,
        X0 = MaxExpAvgSq?.Offset ?? 0, P = gpu.View(Param.Buffer), G = gpu.View(Grad.Buffer), M = gpu.View(ExpAvg.Buffer),
        V = gpu.View(ExpAvgSq.Buffer), X = MaxExpAvgSq is { } mx ? gpu.View(mx.Buffer) : gpu.StatusView,
    };

    /// <summary>This update as one entry of a <see cref="MultiTensorUpdate{TOp, TEntry}"/> launch.</summary>
    public struct Entry : IMultiTensorEntry
    {
        public Constants C;
        public int Count, P0, G0, M0, V0, X0;
        public View P, G, M, V, X;

        /// <inheritdoc/>
        public readonly int Length => Count;

        /// <inheritdoc/>
        public readonly void Apply(int index) => Element(C, index, P0, G0, M0, V0, X0, P, G, M, V, X);
    }

    /// <inheritdoc/>
    public void RunGpu(GpuBackend gpu)
    {
        if (Length == 0) return;
        var kernel = gpu.FusedKernel(typeof(AdamUpdateOp), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, Constants, int, int, int, int, int, View, View, View, View, View>(UpdateKernel));
        // Without AMSGrad the status view stands in for the absent buffer; the kernel never touches it.
        var vMax = MaxExpAvgSq is { } mx ? gpu.View(mx.Buffer) : gpu.StatusView;
        kernel(gpu.Count(Length), Hyper, Param.Offset, Grad.Offset, ExpAvg.Offset, ExpAvgSq.Offset, MaxExpAvgSq?.Offset ?? 0,
            gpu.View(Param.Buffer), gpu.View(Grad.Buffer), gpu.View(ExpAvg.Buffer), gpu.View(ExpAvgSq.Buffer), vMax);
    }

    private static void At<T>(in Constants c, in Runs r, int i) where T : struct, ILane<T>
    {
        T m = T.Load(r.M, i), v = T.Load(r.V, i), x = c.Amsgrad != 0 ? T.Load(r.X, i) : default;
        Step(c, T.Load(r.P, i), T.Load(r.G, i), ref m, ref v, ref x).Store(r.P, i);
        m.Store(r.M, i);
        v.Store(r.V, i);
        if (c.Amsgrad != 0) x.Store(r.X, i);
    }

    private readonly ref struct Runs(Span<float> p, Span<float> g, Span<float> m, Span<float> v, Span<float> x)
    {
        public readonly Span<float> P = p, G = g, M = m, V = v, X = x;
    }
}
