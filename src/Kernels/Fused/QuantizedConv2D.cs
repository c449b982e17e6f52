using System.Buffers;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;

namespace DeepNet.Kernels.Fused;

// Int8 2-d convolution (groups 1) as one unit. x: [N, C, H, W] float dense, weight [K, C, R, S]
// int8 per output channel, bias [K] or null → y [N, K, P, Q] float.
// CPU: quantize x once into a channels-last uint8 copy [N, H, W, C], gather its im2row
// A[(n, p, q), (r, s, c)] with C-byte (S·C when the row is in bounds) copies, padding = the zero
// point's code (0 exactly), then CpuInt8Gemm against the weight packed in (r, s, c) order
// (PackedInt8Weight.ChannelsLast) and requantize into NCHW. Integer sums do not depend on the
// order of K, so it equals the GPU path exactly.
// GPU: Im2Col (float columns, c-r-s order) then the QuantizedGemm kernel reading them transposed.
// Oracle: tests/DeepNet.Tests/Kernels/Fused/QuantizedConv2DTests (scalar quantize + int32 conv).

/// <summary>Arguments of one int8 convolution; geometry validated by the Tensor op. <paramref name="Relu"/>: y = max(0, y), fused.</summary>
public readonly record struct QuantizedConv2D(DeviceBuffer X, Conv2DGeometry Geometry, PackedInt8Weight Weight,
    DeviceBuffer? Bias, long BiasOffset, float InputScale, int ZeroPoint, DeviceBuffer Y, bool Relu = false) : IFusedOp
{
    public string Name => "quantized_conv2d";

    public unsafe void RunCpu(CpuBackend cpu)
    {
        var w = (CpuInt8Weight)Weight;
        if (!w.ChannelsLast) throw new ArgumentException("quantized_conv2d: the CPU weight must be packed channels-last (PackedInt8Weight.Pack with convKernel)");
        var g = Geometry;
        int pq = g.P * g.Q, k = g.ColumnRows, m = g.N * pq, n = w.N, zp = ZeroPoint;
        float inv = 1f / InputScale;
        bool relu = Relu;
        float[] xs = CpuBackend.Data(X), ys = CpuBackend.Data(Y);
        float[]? bs = Bias is null ? null : CpuBackend.Data(Bias);
        var scales = new float[n];
        for (int j = 0; j < n; j++) scales[j] = InputScale * w.Scales[j];
        byte[] xq = ArrayPool<byte>.Shared.Rent(g.N * g.C * g.H * g.W);
        byte[] a = ArrayPool<byte>.Shared.Rent(m * k);
        int[] acc = ArrayPool<int>.Shared.Rent(m * n);
        try
        {
            fixed (float* x0 = xs, y0 = ys, b0 = bs)
            fixed (byte* q0 = xq, a0 = a)
            fixed (int* c0 = acc)
            {
                var p = new Pointers(x0, q0, a0, c0, b0 is null ? null : b0 + BiasOffset, y0);
                int hw = g.H * g.W;
                // NCHW → NHWC codes: each image is a [C, H·W] matrix read as [H·W, C] (CpuQuantize's strided form).
                CpuBackend.For(g.N, (lo, hi) =>
                {
                    for (long i = lo; i < hi; i++)
                        CpuQuantize.Run(p.X + i * g.C * hw, 1, hw, hw, g.C, p.Xq + i * g.C * hw, g.C, inv, zp);
                }, (long)g.C * hw);
                CpuBackend.For((long)g.N * g.P, (lo, hi) =>
                {
                    for (long row = lo; row < hi; row++) Im2Row(g, p.Xq, p.A, (int)(row / g.P), (int)(row % g.P), (byte)zp);
                }, (long)g.Q * k);
                CpuInt8Gemm.Run(new ReadOnlySpan<byte>(a0, m * k), k, m, w, new Span<int>(c0, m * n), n);
                CpuBackend.For(g.N, (lo, hi) =>
                {
                    for (long i = lo; i < hi; i++)
                        CpuQuantize.Requantize(p.Acc + i * pq * n, n, pq, n, zp, w.ColumnSums, scales, p.Bias, p.Y + i * n * pq, 1, pq, relu);
                }, (long)pq * n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(xq);
            ArrayPool<byte>.Shared.Return(a);
            ArrayPool<int>.Shared.Return(acc);
        }
    }

    /// <summary>Rows (image, p, q = 0..Q) of A: K = R·S·C codes each, in (r, s, c) order.</summary>
    private static unsafe void Im2Row(Conv2DGeometry g, byte* xq, byte* a, int image, int p, byte zp)
    {
        int c = g.C, k = g.ColumnRows;
        byte* img = xq + (long)image * g.H * g.W * c;
        for (int q = 0; q < g.Q; q++)
        {
            byte* dst = a + ((long)(image * g.P + p) * g.Q + q) * k;
            for (int r = 0; r < g.R; r++, dst += g.S * c)
            {
                int h = p * g.StrideH + r * g.DilationH - g.PadH;
                if (h < 0 || h >= g.H)
                {
                    new Span<byte>(dst, g.S * c).Fill(zp);
                    continue;
                }
                int w0 = q * g.StrideW - g.PadW;
                byte* src = img + (long)h * g.W * c;
                if (g.DilationW == 1 && w0 >= 0 && w0 + g.S <= g.W)
                {
                    new ReadOnlySpan<byte>(src + (long)w0 * c, g.S * c).CopyTo(new Span<byte>(dst, g.S * c));
                    continue;
                }
                for (int s = 0; s < g.S; s++)
                {
                    int wv = w0 + s * g.DilationW;
                    var d = new Span<byte>(dst + s * c, c);
                    if (wv < 0 || wv >= g.W) d.Fill(zp);
                    else new ReadOnlySpan<byte>(src + (long)wv * c, c).CopyTo(d);
                }
            }
        }
    }

    public void RunGpu(GpuBackend gpu)
    {
        var g = Geometry;
        using var cols = gpu.Allocate((long)g.N * g.ColumnRows * g.ColumnCols, zeroed: false);
        gpu.Im2Col(X, g, cols);
        // The pool hands the columns' block out again only to work queued after this launch.
        new QuantizedGemm(cols, 0, g.N * g.ColumnCols, g.ColumnCols, Weight, Bias, BiasOffset, InputScale, ZeroPoint, Y, Relu).RunGpu(gpu);
    }

    /// <summary>Host-side pointers of one CPU run (pinned by the caller).</summary>
    private readonly unsafe struct Pointers(float* x, byte* xq, byte* a, int* acc, float* bias, float* y)
    {
        public readonly float* X = x, Bias = bias, Y = y;
        public readonly byte* Xq = xq, A = a;
        public readonly int* Acc = acc;
    }
}
