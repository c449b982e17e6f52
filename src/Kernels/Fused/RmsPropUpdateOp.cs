using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// RMSprop update, in place, one pass over param, grad, square_avg (and grad_avg when centered, the
// momentum buffer with μ > 0): contiguous runs of one length. Step<TLane> is the formula, written
// once: the CPU body runs it on Vector256Lane with the FloatLane tail, the GPU kernel on FloatLane,
// one thread per element. Oracles: FusedOptimizerTests (torch.optim.RMSprop in double),
// OptimizerUpdateOpTests, GpuParityTests.Optimizers.

/// <summary>
/// One RMSprop step as torch.optim.RMSprop: g ← g + λ·p; v ← α·v + (1 − α)·g²; centered:
/// ḡ ← α·ḡ + (1 − α)·g and d = √(v − ḡ²) + ε, else d = √v + ε; with momentum μ > 0:
/// b ← μ·b + g/d, p ← p − lr·b; else p ← p − lr·g/d. All operands: contiguous runs of <see cref="Length"/> floats.
/// </summary>
public readonly struct RmsPropUpdateOp : IMultiTensorUpdate<RmsPropUpdateOp.Entry>
{
    /// <summary>The update, with its constants (computed in double, rounded once to float).</summary>
    public RmsPropUpdateOp(Constants constants, long length, ContiguousSlice param, ContiguousSlice grad, ContiguousSlice squareAvg,
        ContiguousSlice? gradAvg, ContiguousSlice? momentumBuffer)
    {
        if (constants.Centered != 0 && gradAvg is null)
            throw new ArgumentException("rmsprop_update: centered RMSprop needs the grad_avg buffer");
        if (constants.HasMomentum != 0 && momentumBuffer is null)
            throw new ArgumentException("rmsprop_update: momentum needs the momentum buffer");
        (Hyper, Length, Param, Grad, SquareAvg, GradAvg, MomentumBuffer) = (constants, length, param, grad, squareAvg, gradAvg, momentumBuffer);
    }

    /// <summary>The step's float constants.</summary>
    public Constants Hyper { get; }

    /// <summary>Elements updated.</summary>
    public long Length { get; }

    /// <summary>The parameter, updated in place.</summary>
    public ContiguousSlice Param { get; }

    /// <summary>The gradient.</summary>
    public ContiguousSlice Grad { get; }

    /// <summary>The running average of g², updated in place.</summary>
    public ContiguousSlice SquareAvg { get; }

    /// <summary>The running average of g (centered only), updated in place.</summary>
    public ContiguousSlice? GradAvg { get; }

    /// <summary>The momentum buffer (μ > 0 only), updated in place.</summary>
    public ContiguousSlice? MomentumBuffer { get; }

    /// <inheritdoc/>
    public string Name => "rmsprop_update";

    /// <summary>The float constants of one step; a plain struct, so it is a GPU kernel argument.</summary>
    public struct Constants
    {
        public float LearningRate, Alpha, OneMinusAlpha, Eps, WeightDecay, Momentum;

        /// <summary>1 when the gradient average is kept (centered RMSprop).</summary>
        public int Centered;

        /// <summary>1 when a momentum buffer is used (μ > 0).</summary>
        public int HasMomentum;

        /// <summary>The constants; 1 − α is formed in double and rounded once, as torch does.</summary>
        public static Constants Create(double learningRate, double alpha, double eps, double weightDecay, double momentum,
            bool centered) => new()
        {
            LearningRate = (float)learningRate, Alpha = (float)alpha, OneMinusAlpha = (float)(1 - alpha), Eps = (float)eps,
            WeightDecay = (float)weightDecay, Momentum = (float)momentum, Centered = centered ? 1 : 0,
            HasMomentum = momentum > 0 ? 1 : 0,
        };
    }

    /// <summary>The formula, for one lane of elements: updates v, ḡ and b and returns the new p.</summary>
    public static T Step<T>(in Constants c, T p, T g, ref T v, ref T gAvg, ref T b) where T : struct, ILane<T>
    {
        if (c.WeightDecay != 0) g = g + c.WeightDecay * p;
        v = c.Alpha * v + c.OneMinusAlpha * g * g;
        T d;
        if (c.Centered != 0)
        {
            gAvg = c.Alpha * gAvg + c.OneMinusAlpha * g;
            d = T.Sqrt(v - gAvg * gAvg) + c.Eps;
        }
        else
        {
            d = T.Sqrt(v) + c.Eps;
        }
        if (c.HasMomentum == 0) return p - c.LearningRate * (g / d);
        b = c.Momentum * b + g / d;
        return p - c.LearningRate * b;
    }

    /// <inheritdoc/>
    public void RunCpu(CpuBackend cpu) => CpuBackend.For(Length, new CpuBody(this));

    /// <summary>The CPU loop over [lo, hi): a struct, so a step allocates no closure per parameter.</summary>
    private readonly struct CpuBody(RmsPropUpdateOp op) : IRangeBody
    {
        public void Run(long lo, long hi)
        {
            var (c, count) = (op.Hyper, (int)op.Length);
            var (p, g, v) = (HostRun.Of(op.Param), HostRun.Of(op.Grad), HostRun.Of(op.SquareAvg));
            var (a, b) = (HostRun.Of(op.GradAvg), HostRun.Of(op.MomentumBuffer));
            int i = (int)lo, end = (int)hi;
            var runs = new Runs(p.Span(count), g.Span(count), v.Span(count), a.Span(count), b.Span(count));
            for (; i <= end - Vector256Lane.Count; i += Vector256Lane.Count) At<Vector256Lane>(c, runs, i);
            for (; i < end; i++) At<FloatLane>(c, runs, i);
        }
    }

    /// <summary>The kernel: element i of each run, from its offset.</summary>
    public static void UpdateKernel(Index1D i, Constants c, int p0, int g0, int v0, int a0, int b0,
        View p, View g, View v, View gAvg, View b) => Element(c, i, p0, g0, v0, a0, b0, p, g, v, gAvg, b);

    /// <inheritdoc/>
    public Entry GpuEntry(GpuBackend gpu) => new()
    {
        C = Hyper, Count = (int)Length, P0 = Param.Offset, G0 = Grad.Offset, V0 = SquareAvg.Offset, A0 = GradAvg?.Offset ?? 0,
        B0 = MomentumBuffer?.Offset ?? 0, P = gpu.View(Param.Buffer), G = gpu.View(Grad.Buffer), V = gpu.View(SquareAvg.Buffer),
        A = GradAvg is { } ga ? gpu.View(ga.Buffer) : gpu.StatusView, B = MomentumBuffer is { } mb ? gpu.View(mb.Buffer) : gpu.StatusView,
    };

    /// <summary>This update as one entry of a <see cref="MultiTensorUpdate{TOp, TEntry}"/> launch.</summary>
    public struct Entry : IMultiTensorEntry
    {
        public Constants C;
        public int Count, P0, G0, V0, A0, B0;
        public View P, G, V, A, B;

        /// <inheritdoc/>
        public readonly int Length => Count;

        /// <inheritdoc/>
        public readonly void Apply(int index) => Element(C, index, P0, G0, V0, A0, B0, P, G, V, A, B);
    }

    /// <summary>Element i on the GPU: the per-parameter kernel's body and the multi-tensor entry's.</summary>
    private static void Element(in Constants c, int i, int p0, int g0, int v0, int a0, int b0,
        View p, View g, View v, View gAvg, View b)
    {
        FloatLane vi = v[v0 + i], ai = c.Centered != 0 ? gAvg[a0 + i] : 0f, bi = c.HasMomentum != 0 ? b[b0 + i] : 0f;
        p[p0 + i] = Step<FloatLane>(c, p[p0 + i], g[g0 + i], ref vi, ref ai, ref bi);
        v[v0 + i] = vi;
        if (c.Centered != 0) gAvg[a0 + i] = ai;
        if (c.HasMomentum != 0) b[b0 + i] = bi;
    }

    /// <inheritdoc/>
    public void RunGpu(GpuBackend gpu)
    {
        if (Length == 0) return;
        var kernel = gpu.FusedKernel(typeof(RmsPropUpdateOp), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, Constants, int, int, int, int, int, View, View, View, View, View>(UpdateKernel));
        // The status view stands in for absent buffers; the kernel never touches them.
        var a = GradAvg is { } ga ? gpu.View(ga.Buffer) : gpu.StatusView;
        var b = MomentumBuffer is { } mb ? gpu.View(mb.Buffer) : gpu.StatusView;
        kernel(gpu.Count(Length), Hyper, Param.Offset, Grad.Offset, SquareAvg.Offset, GradAvg?.Offset ?? 0, MomentumBuffer?.Offset ?? 0,
            gpu.View(Param.Buffer), gpu.View(Grad.Buffer), gpu.View(SquareAvg.Buffer), a, b);
    }

    private static void At<T>(in Constants c, in Runs r, int i) where T : struct, ILane<T>
    {
        T v = T.Load(r.V, i);
        T a = c.Centered != 0 ? T.Load(r.A, i) : default, b = c.HasMomentum != 0 ? T.Load(r.B, i) : default;
        Step(c, T.Load(r.P, i), T.Load(r.G, i), ref v, ref a, ref b).Store(r.P, i);
        v.Store(r.V, i);
        if (c.Centered != 0) a.Store(r.A, i);
        if (c.HasMomentum != 0) b.Store(r.B, i);
    }

    private readonly ref struct Runs(Span<float> p, Span<float> g, Span<float> v, Span<float> a, Span<float> b)
    {
        public readonly Span<float> P = p, G = g, V = v, A = a, B = b;
    }
}
