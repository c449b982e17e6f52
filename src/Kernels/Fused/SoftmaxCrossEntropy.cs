using System.Buffers;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Fused softmax + cross entropy, forward, as torch.nn.functional.cross_entropy on logits x: [M, C]
// row-major. Every case is one per-row sum loss[r] = Σ_c a[r, c]·(lse[r] − x[r, c]) with
//   index target y:  a[c] = (1 − ε)·w[y]·[c = y] + (ε/C)·w[c]   (a = 0 for y = ignore_index)
//   probabilities q: a[c] = w[c]·((1 − ε)·q[c] + ε/C)
// (w = 1 without weights). The row also yields scale[r] = Σ_c a[r, c], so the backward is
// gradX[r, c] = g[r]·(scale[r]·softmax(x)[r, c] − a[r, c]), and weight[r] = the row's share of
// a weighted mean's divisor (w[y], 0 when ignored, 1 for probabilities).
// CPU: one pass per row with TensorPrimitives (max, exp, sum), rows split across threads.
// GPU: one thread per row forward, one per logit backward. A bad index cannot throw in a kernel:
// it lands in the status slot and the next host sync throws (GpuIndexCheck). Oracle: tests/DeepNet.Tests/Tensors/CrossEntropyTests
// (equality with the LogSoftmax → Gather composite, forward and gradients, on every device).

/// <summary>
/// Forward of the fused cross entropy. Logits [Rows, C], target [Rows] (indices as floats) or
/// [Rows, C] (probabilities), weight [C]: contiguous from their offsets. Outputs loss, LogSumExp,
/// RowScale and RowWeight: [Rows] dense. Throws ArgumentException naming the value for an index
/// target that is not an integer in [0, C) nor the ignore index.
/// </summary>
public readonly record struct SoftmaxCrossEntropy(CrossEntropyGeometry Geometry,
    DeviceBuffer Logits, int LogitsOffset, DeviceBuffer Target, int TargetOffset, DeviceBuffer? Weight, int WeightOffset,
    DeviceBuffer Loss, DeviceBuffer LogSumExp, DeviceBuffer RowScale, DeviceBuffer RowWeight) : IFusedOp
{
    public string Name => "cross_entropy";

    public void RunCpu(CpuBackend cpu)
    {
        var g = Geometry;
        int c = g.Classes, x0 = LogitsOffset, t0 = TargetOffset, w0 = WeightOffset;
        float[] x = CpuBackend.Data(Logits), t = CpuBackend.Data(Target), loss = CpuBackend.Data(Loss), lse = CpuBackend.Data(LogSumExp);
        float[] scale = CpuBackend.Data(RowScale), rowWeight = CpuBackend.Data(RowWeight);
        float[]? w = Weight is null ? null : CpuBackend.Data(Weight);
        if (g.Probabilities == 0)
            for (int r = 0; r < g.Rows; r++)   // checked before the parallel loop, so the error is not wrapped
                if (t[t0 + r] != g.IgnoreIndex) Label(t[t0 + r], g);
        float weightSum = w is null ? c : TensorPrimitives.Sum(w.AsSpan(w0, c)), eps = g.LabelSmoothing, perClass = g.SmoothingPerClass;
        CpuBackend.For(g.Rows, (lo, hi) =>
        {
            float[] scratch = ArrayPool<float>.Shared.Rent(c);
            try
            {
                var d = scratch.AsSpan(0, c);
                for (long r = lo; r < hi; r++)
                {
                    var row = x.AsSpan(x0 + (int)r * c, c);
                    float m = TensorPrimitives.Max(row);
                    TensorPrimitives.Subtract(row, m, d);
                    TensorPrimitives.Exp(d, d);
                    float s = m + MathF.Log(TensorPrimitives.Sum(d));
                    lse[r] = s;
                    TensorPrimitives.Subtract(s, row, d);   // d = −log softmax(x) ≥ 0, no cancellation below
                    if (g.Probabilities != 0)
                    {
                        float sum = 0f, a = 0f;
                        for (int j = 0; j < c; j++)
                        {
                            float aj = (w is null ? 1f : w[w0 + j]) * ((1f - eps) * t[t0 + (int)r * c + j] + perClass);
                            a += aj;
                            sum += aj * d[j];
                        }
                        (loss[r], scale[r], rowWeight[r]) = (sum, a, 1f);
                        continue;
                    }
                    float v = t[t0 + (int)r];
                    if (v == g.IgnoreIndex)
                    {
                        (loss[r], scale[r], rowWeight[r]) = (0f, 0f, 0f);
                        continue;
                    }
                    int y = (int)v;
                    float wy = w is null ? 1f : w[w0 + y];
                    float l = (1f - eps) * wy * d[y], sc = (1f - eps) * wy;
                    if (eps > 0f)
                    {
                        l += perClass * (w is null ? TensorPrimitives.Sum(d) : TensorPrimitives.Dot(w.AsSpan(w0, c), d));
                        sc += perClass * weightSum;
                    }
                    (loss[r], scale[r], rowWeight[r]) = (l, sc, wy);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }, c * 4L);
    }

    public void RunGpu(GpuBackend gpu)
    {
        if (Geometry.Rows == 0) return;
        var kernel = gpu.FusedKernel(typeof(SoftmaxCrossEntropy), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, CrossEntropyGeometry, Offsets, View, View, View, View, View, View, View, View>(ForwardKernel));
        // Without weights the status view stands in for the weight buffer; the kernel never reads it.
        kernel(gpu.Count(Geometry.Rows), Geometry, new Offsets(LogitsOffset, TargetOffset, WeightOffset),
            gpu.View(Logits), gpu.View(Target), Weight is null ? gpu.StatusView : gpu.View(Weight),
            gpu.View(Loss), gpu.View(LogSumExp), gpu.View(RowScale), gpu.View(RowWeight),
            Geometry.Probabilities == 0 ? gpu.IndexStatus(IndexCheck.CrossEntropy) : gpu.StatusView);
    }

    /// <summary>The class of an index target; throws naming the value unless it is an integer in [0, C).</summary>
    internal static int Label(float value, CrossEntropyGeometry g)
    {
        int label = (int)value;
        if (label < 0 || label >= g.Classes || label != value) throw new ArgumentException(BadTarget(value, g));
        return label;
    }

    /// <summary>"cross_entropy: target 10 is out of range for 10 classes" or "... 0.5 is not an integer class index".</summary>
    private static string BadTarget(float value, CrossEntropyGeometry g) => value != MathF.Floor(value) || !float.IsFinite(value)
        ? $"cross_entropy: target {value} is not an integer class index (index targets are class numbers 0..{g.Classes - 1}; for probabilities pass targets [N, {g.Classes}])"
        : $"cross_entropy: target {value} is out of range for {g.Classes} classes (valid: 0..{g.Classes - 1} or ignore_index {g.IgnoreIndex})";

    // one thread per row r of x: [M, C] from o.Logits; t from o.Target ([M] or [M, C]); w: [C] from o.Weight
    private static void ForwardKernel(Index1D r, CrossEntropyGeometry g, Offsets o, View x, View t, View w,
        View loss, View lse, View scale, View rowWeight, View status)
    {
        int c = g.Classes, row = o.Logits + r * c;
        float m = float.NegativeInfinity;
        for (int j = 0; j < c; j++) m = MathF.Max(m, x[row + j]);
        float s = 0f;
        for (int j = 0; j < c; j++) s += MathF.Exp(x[row + j] - m);
        float l = m + MathF.Log(s), eps = g.LabelSmoothing, perClass = c == 0 ? 0f : eps / c;
        lse[r] = l;
        float sum = 0f, a = 0f, share = 1f;
        if (g.Probabilities != 0)
        {
            for (int j = 0; j < c; j++)
            {
                float aj = (g.HasWeight != 0 ? w[o.Weight + j] : 1f) * ((1f - eps) * t[o.Target + r * c + j] + perClass);
                a += aj;
                sum += aj * (l - x[row + j]);
            }
        }
        else
        {
            float v = t[o.Target + r];
            int y = (int)v;
            if (v == g.IgnoreIndex) share = 0f;
            else if (y < 0 || y >= c || y != v)
            {
                status[1] = v;
                status[2] = c;
                status[0] = 1f;
                share = float.NaN;
            }
            else
            {
                share = g.HasWeight != 0 ? w[o.Weight + y] : 1f;
                sum = (1f - eps) * share * (l - x[row + y]);
                a = (1f - eps) * share;
                if (eps > 0f)
                    for (int j = 0; j < c; j++)
                    {
                        float wj = g.HasWeight != 0 ? w[o.Weight + j] : 1f;
                        a += perClass * wj;
                        sum += perClass * wj * (l - x[row + j]);
                    }
            }
        }
        loss[r] = sum;
        scale[r] = a;
        rowWeight[r] = share;
    }

    /// <summary>Element offsets of the logits, target and weight buffers (ILGPU assumes view parameters are aligned, so offsets are arguments).</summary>
    internal readonly record struct Offsets(int Logits, int Target, int Weight);
}

/// <summary>
/// Backward of <see cref="SoftmaxCrossEntropy"/>: gradLogits[r, c] = gradLoss[r]·(RowScale[r]·softmax(x)[r, c] − a[r, c])
/// with a as in the forward. gradLoss: [Rows] from its offset with any stride (0 for a broadcast
/// scalar); gradLogits: [Rows, C] dense. Index targets were validated by the forward.
/// </summary>
public readonly record struct SoftmaxCrossEntropyBackward(SoftmaxCrossEntropy Forward,
    DeviceBuffer GradLoss, int GradLossOffset, int GradLossStride, DeviceBuffer GradLogits) : IFusedOp
{
    public string Name => "cross_entropy backward";

    public void RunCpu(CpuBackend cpu)
    {
        var f = Forward;
        var g = f.Geometry;
        int c = g.Classes, x0 = f.LogitsOffset, t0 = f.TargetOffset, w0 = f.WeightOffset, g0 = GradLossOffset, gs = GradLossStride;
        float[] x = CpuBackend.Data(f.Logits), t = CpuBackend.Data(f.Target), lse = CpuBackend.Data(f.LogSumExp);
        float[] scale = CpuBackend.Data(f.RowScale), gl = CpuBackend.Data(GradLoss), gx = CpuBackend.Data(GradLogits);
        float[]? w = f.Weight is null ? null : CpuBackend.Data(f.Weight);
        float eps = g.LabelSmoothing, perClass = g.SmoothingPerClass;
        CpuBackend.For(g.Rows, (lo, hi) =>
        {
            for (long r = lo; r < hi; r++)
            {
                var grad = gx.AsSpan((int)r * c, c);
                float gr = gl[g0 + (int)r * gs];
                if (g.Probabilities == 0 && t[t0 + (int)r] == g.IgnoreIndex)
                {
                    grad.Clear();   // exactly 0, even for the inf/NaN gradLoss of an all-ignored mean (torch's)
                    continue;
                }
                TensorPrimitives.Subtract(x.AsSpan(x0 + (int)r * c, c), lse[r], grad);
                TensorPrimitives.Exp(grad, grad);
                TensorPrimitives.Multiply(grad, gr * scale[r], grad);
                if (g.Probabilities != 0)
                {
                    for (int j = 0; j < c; j++)
                        grad[j] -= gr * (w is null ? 1f : w[w0 + j]) * ((1f - eps) * t[t0 + (int)r * c + j] + perClass);
                    continue;
                }
                int y = (int)t[t0 + (int)r];
                if (eps > 0f)
                {
                    if (w is null) TensorPrimitives.Subtract(grad, gr * perClass, grad);
                    else TensorPrimitives.MultiplyAdd(w.AsSpan(w0, c), -gr * perClass, grad, grad);
                }
                grad[y] -= gr * (1f - eps) * (w is null ? 1f : w[w0 + y]);
            }
        }, c * 4L);
    }

    public void RunGpu(GpuBackend gpu)
    {
        var f = Forward;
        long size = (long)f.Geometry.Rows * f.Geometry.Classes;
        if (size == 0) return;
        var kernel = gpu.FusedKernel(typeof(SoftmaxCrossEntropyBackward), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, CrossEntropyGeometry, SoftmaxCrossEntropy.Offsets, int, int,
                View, View, View, View, View, View, View>(BackwardKernel));
        kernel(gpu.Count(size), f.Geometry, new SoftmaxCrossEntropy.Offsets(f.LogitsOffset, f.TargetOffset, f.WeightOffset),
            GradLossOffset, GradLossStride, gpu.View(f.Logits), gpu.View(f.Target), f.Weight is null ? gpu.StatusView : gpu.View(f.Weight),
            gpu.View(f.LogSumExp), gpu.View(f.RowScale), gpu.View(GradLoss), gpu.View(GradLogits));
    }

    // one thread per logit i = r·C + j; gx: [M, C] dense; gl from g0 with stride gs (0 = broadcast)
    private static void BackwardKernel(Index1D i, CrossEntropyGeometry g, SoftmaxCrossEntropy.Offsets o, int g0, int gs,
        View x, View t, View w, View lse, View scale, View gl, View gx)
    {
        int c = g.Classes, r = i / c, j = i - r * c;
        float eps = g.LabelSmoothing, perClass = eps / c, wj = g.HasWeight != 0 ? w[o.Weight + j] : 1f, a;
        if (g.Probabilities != 0) a = wj * ((1f - eps) * t[o.Target + i] + perClass);
        else
        {
            float v = t[o.Target + r];
            if (v == g.IgnoreIndex)
            {
                gx[i] = 0f;   // exactly 0, even for the inf/NaN gradLoss of an all-ignored mean (torch's)
                return;
            }
            int y = (int)v;
            a = perClass * wj + (y == j ? (1f - eps) * wj : 0f);
        }
        gx[i] = gl[g0 + r * gs] * (scale[r] * MathF.Exp(x[o.Logits + i] - lse[r]) - a);
    }
}
