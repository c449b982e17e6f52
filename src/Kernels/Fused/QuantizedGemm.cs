using System.Buffers;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Quantized inference as one unit: float activations → uint8 codes (per-tensor scale and zero
// point) → int8 GEMM with int32 accumulation against per-channel int8 weights → float output with
// the zero-point correction, scale and bias (Int8Quantization). x is read as [M, K] where row
// m = (image i, position p), m = i·Pq + p, and element (m, k) sits at x0 + i·K·Pq + k·Pq + p:
// Pq = 1 is a Dense input [M, K]; Pq = P·Q reads a convolution's im2col columns [N, C·R·S, P·Q]
// transposed. y[m, n] is written at i·N·Pq + n·Pq + p: [M, N] for Dense, [N, K, P, Q] for Conv2D.
// CPU: Dense (Pq = 1) is one fused pass, CpuInt8Gemm.RunFused (quantized while packed, requantized per
// tile); im2col columns: quantize (Vector256) → CpuInt8Gemm (the weight's ISA path) → requantize.
// GPU: one thread per output, quantizing its row on the fly (int32 accumulation, no temporaries).
// Oracle: tests/DeepNet.Tests/Kernels/Fused/QuantizedGemmTests (scalar int32 reference, CPU and emulator).

/// <summary>Arguments of one quantized GEMM; shapes validated by the Tensor op. <paramref name="Relu"/>: y = max(0, y), fused.</summary>
public readonly record struct QuantizedGemm(DeviceBuffer X, long XOffset, int M, int Pq, PackedInt8Weight Weight,
    DeviceBuffer? Bias, long BiasOffset, float InputScale, int ZeroPoint, DeviceBuffer Y, bool Relu = false) : IFusedOp
{
    public string Name => "quantized_gemm";

    public unsafe void RunCpu(CpuBackend cpu)
    {
        var w = (CpuInt8Weight)Weight;
        if (Pq > 1 && w.ChannelsLast) throw new ArgumentException("quantized_gemm: a channels-last weight belongs to QuantizedConv2D, not to im2col columns");
        int m = M, k = w.K, n = w.N, pq = Pq, zp = ZeroPoint, images = m / pq;
        float inv = 1f / InputScale;
        bool relu = Relu;
        float[] xs = CpuBackend.Data(X), ys = CpuBackend.Data(Y);
        float[]? bs = Bias is null ? null : CpuBackend.Data(Bias);
        if (pq == 1)
        {
            // Dense: one fused pass (quantize while packing, requantize from each tile), no temporaries of [M, K] or [M, N].
            var epilogue = new CpuInt8Epilogue(w, InputScale, zp, bs is null ? default : bs.AsSpan((int)BiasOffset, n), relu);
            CpuInt8Gemm.RunFused(xs.AsSpan((int)XOffset, m * k), k, m, inv, zp, w, epilogue, ys.AsSpan(0, m * n), n);
            return;
        }
        var scales = new float[n];
        for (int j = 0; j < n; j++) scales[j] = InputScale * w.Scales[j];
        byte[] q = ArrayPool<byte>.Shared.Rent(m * k);
        int[] acc = ArrayPool<int>.Shared.Rent(m * n);
        try
        {
            fixed (float* x0 = xs, y0 = ys, b0 = bs)
            fixed (byte* q0 = q)
            fixed (int* a0 = acc)
            {
                var p = new Pointers(x0 + XOffset, q0, a0, b0 is null ? null : b0 + BiasOffset, y0);
                if (pq == 1)
                    CpuBackend.For(m, (lo, hi) => CpuQuantize.Run(p.X + lo * k, k, 1, (int)(hi - lo), k, p.Q + lo * k, k, inv, zp), k);
                else
                    CpuBackend.For(images, (lo, hi) =>
                    {
                        for (long i = lo; i < hi; i++)
                            CpuQuantize.Run(p.X + i * k * pq, 1, pq, pq, k, p.Q + i * pq * k, k, inv, zp);
                    }, (long)pq * k);
                CpuInt8Gemm.Run(new ReadOnlySpan<byte>(q0, m * k), k, m, w, new Span<int>(a0, m * n), n);
                if (pq == 1)
                    CpuBackend.For(m, (lo, hi) => CpuQuantize.Requantize(p.Acc + lo * n, n, (int)(hi - lo), n, zp, w.ColumnSums, scales,
                        p.Bias, p.Y + lo * n, n, 1, relu), n);
                else
                    CpuBackend.For(images, (lo, hi) =>
                    {
                        for (long i = lo; i < hi; i++)
                            CpuQuantize.Requantize(p.Acc + i * pq * n, n, pq, n, zp, w.ColumnSums, scales, p.Bias, p.Y + i * n * pq, 1, pq, relu);
                    }, (long)pq * n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(q);
            ArrayPool<int>.Shared.Return(acc);
        }
    }

    public void RunGpu(GpuBackend gpu)
    {
        var w = (GpuInt8Weight)Weight;
        long size = (long)M * w.N;
        if (size == 0) return;
        var kernel = gpu.FusedKernel(typeof(QuantizedGemm), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, QuantizedGemmArgs, View, ArrayView<sbyte>, ArrayView<int>, View, View, View>(Kernel));
        var args = new QuantizedGemmArgs((int)XOffset, w.K, w.N, Pq, InputScale, 1f / InputScale, ZeroPoint,
            Bias is null ? -1 : (int)BiasOffset, Relu ? 1 : 0);
        kernel(gpu.Count(size), args, gpu.View(X), w.Values, w.ColumnSums, w.ScalesView,
            Bias is null ? gpu.StatusView : gpu.View(Bias), gpu.View(Y));
    }

    // y[(i, n, p)] = requantize(Σ_k quantize(x[x0 + i·K·Pq + k·Pq + p]) · w[n, k]) for output (m = i·Pq + p, n)
    private static void Kernel(Index1D index, QuantizedGemmArgs a, View x, ArrayView<sbyte> w, ArrayView<int> columnSums,
        View weightScales, View bias, View y)
    {
        int m = index / a.N, n = index % a.N, image = m / a.Pq, p = m % a.Pq;
        int xBase = a.XOffset + image * a.K * a.Pq + p, wBase = n * a.K, sum = 0;
        for (int k = 0; k < a.K; k++)
            sum += Int8Quantization.Quantize(x[xBase + k * a.Pq], a.InverseScale, a.ZeroPoint) * w[wBase + k];
        float b = a.BiasOffset < 0 ? 0f : bias[a.BiasOffset + n];
        float v = Int8Quantization.Requantize(sum, a.ZeroPoint, columnSums[n], a.Scale * weightScales[n], b);
        y[image * a.N * a.Pq + n * a.Pq + p] = a.Relu != 0 ? MathF.Max(v, 0f) : v;
    }

    /// <summary>Host-side pointers of one CPU run (pinned by the caller).</summary>
    private readonly unsafe struct Pointers(float* x, byte* q, int* acc, float* bias, float* y)
    {
        public readonly float* X = x, Bias = bias, Y = y;
        public readonly byte* Q = q;
        public readonly int* Acc = acc;
    }
}

/// <summary>The scalars of a <see cref="QuantizedGemm"/> GPU launch (BiasOffset −1: no bias; Relu 1: max(0, ·) fused).</summary>
internal readonly record struct QuantizedGemmArgs(int XOffset, int K, int N, int Pq, float Scale, float InverseScale,
    int ZeroPoint, int BiasOffset, int Relu);
