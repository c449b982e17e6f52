using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// SGD update, in place, one pass over param, grad (and the momentum buffer): contiguous runs of
// one length. Step<TLane> is the formula, written once: the CPU body runs it on Vector256Lane with
// the FloatLane tail, the GPU kernel on FloatLane, one thread per element. Oracles:
// FusedOptimizerTests (torch.optim.SGD in double), OptimizerUpdateOpTests, GpuParityTests.Optimizers.

/// <summary>
/// One SGD step as torch.optim.SGD: d = g + λ·p; with momentum μ, b = d on the buffer's first step,
/// else b = μ·b + (1 − τ)·d, then d = d + μ·b (Nesterov) or d = b; p ← p − lr·d.
/// All operands: contiguous runs of <see cref="Length"/> floats.
/// </summary>
public readonly struct SgdUpdateOp : IMultiTensorUpdate<SgdUpdateOp.Entry>
{
    /// <summary>The update, with its constants (computed in double, rounded once to float).</summary>
    public SgdUpdateOp(Constants constants, long length, ContiguousSlice param, ContiguousSlice grad, ContiguousSlice? momentumBuffer)
    {
        if (constants.HasMomentum != 0 && momentumBuffer is null)
            throw new ArgumentException("sgd_update: momentum needs the momentum buffer");
        (Hyper, Length, Param, Grad, MomentumBuffer) = (constants, length, param, grad, momentumBuffer);
    }

    /// <summary>The step's float constants.</summary>
    public Constants Hyper { get; }

    /// <summary>Elements updated.</summary>
    public long Length { get; }

    /// <summary>The parameter, updated in place.</summary>
    public ContiguousSlice Param { get; }

    /// <summary>The gradient.</summary>
    public ContiguousSlice Grad { get; }

    /// <summary>The momentum buffer, updated in place; null without momentum.</summary>
    public ContiguousSlice? MomentumBuffer { get; }

    /// <inheritdoc/>
    public string Name => "sgd_update";

    /// <summary>The float constants of one step; a plain struct, so it is a GPU kernel argument.</summary>
    public struct Constants
    {
        public float LearningRate, Momentum, OneMinusDampening, WeightDecay;

        /// <summary>1 when a momentum buffer is used (μ ≠ 0).</summary>
        public int HasMomentum;

        /// <summary>1 on the buffer's first step (b = d).</summary>
        public int FirstStep;

        /// <summary>1 for Nesterov momentum.</summary>
        public int Nesterov;

        /// <summary>The constants; 1 − τ is formed in double and rounded once, as torch does.</summary>
        public static Constants Create(double learningRate, double momentum, double dampening, double weightDecay,
            bool nesterov, bool firstStep) => new()
        {
            LearningRate = (float)learningRate, Momentum = (float)momentum, OneMinusDampening = (float)(1 - dampening),
            WeightDecay = (float)weightDecay, HasMomentum = momentum != 0 ? 1 : 0, FirstStep = firstStep ? 1 : 0,
            Nesterov = nesterov ? 1 : 0,
        };
    }

    /// <summary>The formula, for one lane of elements: updates the momentum buffer b and returns the new p.</summary>
    public static T Step<T>(in Constants c, T p, T g, ref T b) where T : struct, ILane<T>
    {
        T d = g;
        if (c.WeightDecay != 0) d = d + c.WeightDecay * p;
        if (c.HasMomentum != 0)
        {
            b = c.FirstStep != 0 ? d : c.Momentum * b + c.OneMinusDampening * d;
            d = c.Nesterov != 0 ? d + c.Momentum * b : b;
        }
        return p - c.LearningRate * d;
    }

    /// <inheritdoc/>
    public void RunCpu(CpuBackend cpu) => CpuBackend.For(Length, new CpuBody(this));

    /// <summary>The CPU loop over [lo, hi): a struct, so a step allocates no closure per parameter.</summary>
    private readonly struct CpuBody(SgdUpdateOp op) : IRangeBody
    {
        public void Run(long lo, long hi)
        {
            var (c, count) = (op.Hyper, (int)op.Length);
            var (p, g, b) = (HostRun.Of(op.Param), HostRun.Of(op.Grad), HostRun.Of(op.MomentumBuffer));
            int i = (int)lo, end = (int)hi;
            var runs = new Runs(p.Span(count), g.Span(count), b.Span(count));
            for (; i <= end - Vector256Lane.Count; i += Vector256Lane.Count) At<Vector256Lane>(c, runs, i);
            for (; i < end; i++) At<FloatLane>(c, runs, i);
        }
    }

    /// <summary>The kernel: element i of each run, from its offset.</summary>
    public static void UpdateKernel(Index1D i, Constants c, int p0, int g0, int b0, View p, View g, View b) =>
        Element(c, i, p0, g0, b0, p, g, b);

    /// <inheritdoc/>
    public Entry GpuEntry(GpuBackend gpu) => new()
    {
        C = Hyper, Count = (int)Length, P0 = Param.Offset, G0 = Grad.Offset, B0 = MomentumBuffer?.Offset ?? 0,
        P = gpu.View(Param.Buffer), G = gpu.View(Grad.Buffer), B = MomentumBuffer is { } mb ? gpu.View(mb.Buffer) : gpu.StatusView,
    };

    /// <summary>This update as one entry of a <see cref="MultiTensorUpdate{TOp, TEntry}"/> launch.</summary>
    public struct Entry : IMultiTensorEntry
    {
        public Constants C;
        public int Count, P0, G0, B0;
        public View P, G, B;

        /// <inheritdoc/>
        public readonly int Length => Count;

        /// <inheritdoc/>
        public readonly void Apply(int index) => Element(C, index, P0, G0, B0, P, G, B);
    }

    /// <summary>Element i on the GPU: the per-parameter kernel's body and the multi-tensor entry's.</summary>
    private static void Element(in Constants c, int i, int p0, int g0, int b0, View p, View g, View b)
    {
        bool readsBuffer = c.HasMomentum != 0 && c.FirstStep == 0;
        FloatLane bi = readsBuffer ? b[b0 + i] : 0f;
        p[p0 + i] = Step<FloatLane>(c, p[p0 + i], g[g0 + i], ref bi);
        if (c.HasMomentum != 0) b[b0 + i] = bi;
    }

    /// <inheritdoc/>
    public void RunGpu(GpuBackend gpu)
    {
        if (Length == 0) return;
        var kernel = gpu.FusedKernel(typeof(SgdUpdateOp), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, Constants, int, int, int, View, View, View>(UpdateKernel));
        // Without momentum the status view stands in for the absent buffer; the kernel never touches it.
        var b = MomentumBuffer is { } mb ? gpu.View(mb.Buffer) : gpu.StatusView;
        kernel(gpu.Count(Length), Hyper, Param.Offset, Grad.Offset, MomentumBuffer?.Offset ?? 0,
            gpu.View(Param.Buffer), gpu.View(Grad.Buffer), b);
    }

    private static void At<T>(in Constants c, in Runs r, int i) where T : struct, ILane<T>
    {
        bool readsBuffer = c.HasMomentum != 0 && c.FirstStep == 0;
        T b = readsBuffer ? T.Load(r.B, i) : default;
        Step(c, T.Load(r.P, i), T.Load(r.G, i), ref b).Store(r.P, i);
        if (c.HasMomentum != 0) b.Store(r.B, i);
    }

    private readonly ref struct Runs(Span<float> p, Span<float> g, Span<float> b)
    {
        public readonly Span<float> P = p, G = g, B = b;
    }
}
