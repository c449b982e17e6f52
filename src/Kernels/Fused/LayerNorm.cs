using System.Buffers;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Fused layer norm over rows of x: [Rows, Cols] (LayerNormShape), as torch.nn.functional.layer_norm:
//   mean = Σx/C, var = Σ(x − mean)²/C (biased, two passes as the composite), rstd = 1/√(var + eps),
//   y = (x − mean)·rstd·w + b. Mean and rstd [Rows] are saved for the backward:
//   x̂ = (x − mean)·rstd, g = dy·w,  dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),  dw = Σ_rows dy·x̂,  db = Σ_rows dy.
// CPU: TensorPrimitives per row (Vector512/256 inside), rows split across threads; the backward's
// column sums are per-chunk partials added in chunk order (deterministic). GPU: one thread per row
// (forward and dx), one thread per column for dw and db. Oracle: tests/DeepNet.Tests/Tensors/LayerNormFusedTests
// (equality with the Mean → Sub → Mul → Sqrt → Div composite, forward and gradients, CPU and emulator).

/// <summary>
/// y = layer_norm(x, weight, bias) with the row statistics Mean and Rstd [Rows] written for the
/// backward. x: [Rows, Cols] contiguous from XOffset; weight, bias: [Cols] contiguous from their
/// offsets or absent (<see cref="LayerNormShape.HasWeight"/>, HasBias); y: dense.
/// </summary>
public readonly record struct LayerNorm(LayerNormShape Shape, DeviceBuffer X, int XOffset,
    DeviceBuffer? Weight, int WeightOffset, DeviceBuffer? Bias, int BiasOffset,
    DeviceBuffer Y, DeviceBuffer Mean, DeviceBuffer Rstd) : IFusedOp
{
    public string Name => "layer_norm";

    public void RunCpu(CpuBackend cpu)
    {
        var s = Shape;
        if (s.Rows == 0) return;
        int c = s.Cols, x0 = XOffset, w0 = WeightOffset, b0 = BiasOffset;
        float[] x = CpuBackend.Data(X), y = CpuBackend.Data(Y), mean = CpuBackend.Data(Mean), rstd = CpuBackend.Data(Rstd);
        float[]? w = Weight is null ? null : CpuBackend.Data(Weight), b = Bias is null ? null : CpuBackend.Data(Bias);
        CpuBackend.For(s.Rows, (lo, hi) =>
        {
            for (long r = lo; r < hi; r++)
            {
                var xr = x.AsSpan(x0 + (int)r * c, c);
                var yr = y.AsSpan((int)r * c, c);
                float m = TensorPrimitives.Sum(xr) / c;
                TensorPrimitives.Subtract(xr, m, yr);
                float rs = 1f / MathF.Sqrt(TensorPrimitives.Dot(yr, yr) / c + s.Eps);
                (mean[r], rstd[r]) = (m, rs);
                TensorPrimitives.Multiply(yr, rs, yr);
                if (w is not null && b is not null) TensorPrimitives.MultiplyAdd(yr, w.AsSpan(w0, c), b.AsSpan(b0, c), yr);
                else if (w is not null) TensorPrimitives.Multiply(yr, w.AsSpan(w0, c), yr);
                else if (b is not null) TensorPrimitives.Add(yr, b.AsSpan(b0, c), yr);
            }
        }, c * 3L);
    }

    public void RunGpu(GpuBackend gpu)
    {
        if (Shape.Rows == 0) return;
        var kernel = gpu.FusedKernel(typeof(LayerNorm), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, LayerNormShape, Offsets, View, View, View, View, View, View>(ForwardKernel));
        // An absent weight or bias is stood in for by x's view; the kernel never reads it.
        var xv = gpu.View(X);
        kernel(gpu.Count(Shape.Rows), Shape, new Offsets(XOffset, WeightOffset, BiasOffset), xv,
            Weight is null ? xv : gpu.View(Weight), Bias is null ? xv : gpu.View(Bias), gpu.View(Y), gpu.View(Mean), gpu.View(Rstd));
    }

    // one thread per row r of x: [Rows, Cols] from o.X; w, b: [Cols]; y dense; mean, rstd: [Rows]
    private static void ForwardKernel(Index1D r, LayerNormShape s, Offsets o, View x, View w, View b, View y, View mean, View rstd)
    {
        int c = s.Cols, row = o.X + r * c;
        float sum = 0f;
        for (int j = 0; j < c; j++) sum += x[row + j];
        float m = sum / c, sq = 0f;
        for (int j = 0; j < c; j++)
        {
            float d = x[row + j] - m;
            sq += d * d;
        }
        float rs = 1f / MathF.Sqrt(sq / c + s.Eps);
        mean[r] = m;
        rstd[r] = rs;
        for (int j = 0; j < c; j++)
        {
            float v = (x[row + j] - m) * rs;
            if (s.HasWeight != 0) v *= w[o.Weight + j];
            if (s.HasBias != 0) v += b[o.Bias + j];
            y[r * c + j] = v;
        }
    }

    /// <summary>Element offsets of x, weight and bias (ILGPU views are passed whole; offsets are arguments).</summary>
    internal readonly record struct Offsets(int X, int Weight, int Bias);
}

/// <summary>
/// Backward of <see cref="LayerNorm"/>: gradX (dense [Rows, Cols]) when given, gradWeight and
/// gradBias ([Cols] dense, overwritten) when given. gradY: contiguous from GradYOffset.
/// </summary>
public readonly record struct LayerNormBackward(LayerNorm Forward, DeviceBuffer GradY, int GradYOffset,
    DeviceBuffer? GradX, DeviceBuffer? GradWeight, DeviceBuffer? GradBias) : IFusedOp
{
    public string Name => "layer_norm backward";

    public void RunCpu(CpuBackend cpu)
    {
        var f = Forward;
        var s = f.Shape;
        if (s.Size == 0)
        {
            if (GradWeight is not null) CpuBackend.Data(GradWeight).AsSpan(0, s.Cols).Clear();
            if (GradBias is not null) CpuBackend.Data(GradBias).AsSpan(0, s.Cols).Clear();
            return;
        }
        int c = s.Cols, x0 = f.XOffset, w0 = f.WeightOffset, g0 = GradYOffset;
        float[] x = CpuBackend.Data(f.X), mean = CpuBackend.Data(f.Mean), rstd = CpuBackend.Data(f.Rstd), gy = CpuBackend.Data(GradY);
        float[]? w = f.Weight is null ? null : CpuBackend.Data(f.Weight), gx = GradX is null ? null : CpuBackend.Data(GradX);
        bool sums = GradWeight is not null || GradBias is not null;
        // Chunks of rows; each keeps its own dw/db partials, added in chunk order afterwards.
        long work = s.Size * 6;
        int chunks = work < CpuBackend.ParallelThreshold ? 1 : Math.Min(Environment.ProcessorCount, s.Rows);
        float[] partials = sums ? ArrayPool<float>.Shared.Rent(chunks * 2 * c) : [];
        try
        {
            if (sums) partials.AsSpan(0, chunks * 2 * c).Clear();
            void Chunk(int k)
            {
                int lo = (int)((long)s.Rows * k / chunks), hi = (int)((long)s.Rows * (k + 1) / chunks);
                float[] scratch = ArrayPool<float>.Shared.Rent(2 * c);
                try
                {
                    var xhat = scratch.AsSpan(0, c);
                    var g = scratch.AsSpan(c, c);
                    var dw = sums ? partials.AsSpan(k * 2 * c, c) : default;
                    var db = sums ? partials.AsSpan(k * 2 * c + c, c) : default;
                    for (int r = lo; r < hi; r++)
                    {
                        var gyr = gy.AsSpan(g0 + r * c, c);
                        TensorPrimitives.Subtract(x.AsSpan(x0 + r * c, c), mean[r], xhat);
                        TensorPrimitives.Multiply(xhat, rstd[r], xhat);
                        if (sums)
                        {
                            TensorPrimitives.MultiplyAdd(gyr, xhat, dw, dw);
                            TensorPrimitives.Add(gyr, db, db);
                        }
                        if (gx is null) continue;
                        if (w is null) gyr.CopyTo(g);
                        else TensorPrimitives.Multiply(gyr, w.AsSpan(w0, c), g);
                        float meanG = TensorPrimitives.Sum(g) / c, meanGx = TensorPrimitives.Dot(g, xhat) / c;
                        var gxr = gx.AsSpan(r * c, c);
                        // dx = rstd·(g − mean(g) − x̂·mean(g·x̂))
                        TensorPrimitives.MultiplyAdd(xhat, -meanGx, g, gxr);
                        TensorPrimitives.Subtract(gxr, meanG, gxr);
                        TensorPrimitives.Multiply(gxr, rstd[r], gxr);
                    }
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(scratch);
                }
            }
            if (chunks == 1) Chunk(0);
            else Parallel.For(0, chunks, Chunk);
            if (!sums) return;
            for (int k = 1; k < chunks; k++) TensorPrimitives.Add(partials.AsSpan(0, 2 * c), partials.AsSpan(k * 2 * c, 2 * c), partials.AsSpan(0, 2 * c));
            if (GradWeight is not null) partials.AsSpan(0, c).CopyTo(CpuBackend.Data(GradWeight));
            if (GradBias is not null) partials.AsSpan(c, c).CopyTo(CpuBackend.Data(GradBias));
        }
        finally
        {
            if (sums) ArrayPool<float>.Shared.Return(partials);
        }
    }

    public void RunGpu(GpuBackend gpu)
    {
        var f = Forward;
        var s = f.Shape;
        if (s.Cols == 0) return;
        var o = new LayerNorm.Offsets(f.XOffset, f.WeightOffset, f.BiasOffset);
        var xv = gpu.View(f.X);
        if (GradX is not null && s.Rows > 0)
        {
            var dx = gpu.FusedKernel(typeof(LayerNormBackward), acc =>
                acc.LoadAutoGroupedStreamKernel<Index1D, LayerNormShape, LayerNorm.Offsets, int, View, View, View, View, View, View>(InputKernel));
            dx(gpu.Count(s.Rows), s, o, GradYOffset, xv, f.Weight is null ? xv : gpu.View(f.Weight), gpu.View(f.Mean), gpu.View(f.Rstd),
                gpu.View(GradY), gpu.View(GradX));
        }
        if (GradWeight is null && GradBias is null) return;
        var dwb = gpu.FusedKernel((typeof(LayerNormBackward), "params"), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, LayerNormShape, LayerNorm.Offsets, int, int, View, View, View, View, View, View>(ParamsKernel));
        dwb(gpu.Count(s.Cols), s, o, GradYOffset, (GradWeight is null ? 0 : 1) | (GradBias is null ? 0 : 2), xv, gpu.View(f.Mean), gpu.View(f.Rstd),
            gpu.View(GradY), GradWeight is null ? xv : gpu.View(GradWeight), GradBias is null ? xv : gpu.View(GradBias));
    }

    // one thread per row r: gx[r, :] = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = gy·w, x̂ recomputed
    private static void InputKernel(Index1D r, LayerNormShape s, LayerNorm.Offsets o, int g0, View x, View w, View mean, View rstd,
        View gy, View gx)
    {
        int c = s.Cols, row = o.X + r * c, grow = g0 + r * c;
        float m = mean[r], rs = rstd[r], sumG = 0f, sumGx = 0f;
        for (int j = 0; j < c; j++)
        {
            float g = gy[grow + j] * (s.HasWeight != 0 ? w[o.Weight + j] : 1f);
            sumG += g;
            sumGx += g * (x[row + j] - m) * rs;
        }
        float meanG = sumG / c, meanGx = sumGx / c;
        for (int j = 0; j < c; j++)
        {
            float g = gy[grow + j] * (s.HasWeight != 0 ? w[o.Weight + j] : 1f);
            gx[r * c + j] = rs * (g - meanG - (x[row + j] - m) * rs * meanGx);
        }
    }

    // one thread per column j: dw[j] = Σ_r gy·x̂ (want bit 1), db[j] = Σ_r gy (bit 2)
    private static void ParamsKernel(Index1D j, LayerNormShape s, LayerNorm.Offsets o, int g0, int want, View x, View mean, View rstd,
        View gy, View dw, View db)
    {
        int c = s.Cols;
        float sw = 0f, sb = 0f;
        for (int r = 0; r < s.Rows; r++)
        {
            float g = gy[g0 + r * c + j];
            sw += g * (x[o.X + r * c + j] - mean[r]) * rstd[r];
            sb += g;
        }
        if ((want & 1) != 0) dw[j] = sw;
        if ((want & 2) != 0) db[j] = sb;
    }
}
