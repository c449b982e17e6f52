using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepNet.Kernels.Cpu;

// The float ↔ int8 edges of quantized inference on the CPU: activations float32 → uint8 codes
// (Int8Quantization.Quantize, Vector256 over contiguous rows), int32 accumulators → float32 with
// the zero-point correction, per-channel scale and bias (Int8Quantization.Requantize).
// Strided forms serve the convolution, whose im2col columns are read transposed.
// Oracle: CpuInt8GemmTests (against Int8Quantization's scalar rules) and QuantizedOpTests.
internal static unsafe class CpuQuantize
{
    /// <summary>q[r·ldq + c] = quantize(x[r·rowStride + c·colStride]) for r &lt; rows, c &lt; cols.</summary>
    public static void Run(float* x, long rowStride, long colStride, int rows, int cols, byte* q, int ldq, float inverseScale, int zeroPoint)
    {
        if (cols == 1 && rowStride == 1 && ldq == 1)
        {
            Row(x, q, rows, inverseScale, zeroPoint);   // a single contiguous column (one input channel)
            return;
        }
        if (colStride == 1)
        {
            for (int r = 0; r < rows; r++) Row(x + r * rowStride, q + (long)r * ldq, cols, inverseScale, zeroPoint);
            return;
        }
        // Transposed source: walk it in memory order, scattering bytes.
        for (int c = 0; c < cols; c++)
        {
            float* src = x + c * colStride;
            for (int r = 0; r < rows; r++)
                q[(long)r * ldq + c] = (byte)Int8Quantization.Quantize(src[r * rowStride], inverseScale, zeroPoint);
        }
    }

    /// <summary>
    /// x[0..16) quantized as <see cref="Int8Quantization.Quantize"/> does (scale, clamp to ±512, round to
    /// even, shift by the zero point, clamp to [0, 255]), as 16-bit words; the packing paths share it.
    /// </summary>
    internal static Vector256<ushort> Quantize16(float* x, Vector256<float> inverseScale, Vector256<float> zeroPoint)
    {
        var lo = Vector256.Create(-512f);
        var hi = Vector256.Create(512f);
        var max = Vector256.Create(255f);
        var v0 = Vector256.Min(Vector256.Max(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.Load(x) * inverseScale, lo), hi)) + zeroPoint, Vector256<float>.Zero), max);
        var v1 = Vector256.Min(Vector256.Max(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.Load(x + 8) * inverseScale, lo), hi)) + zeroPoint, Vector256<float>.Zero), max);
        return Vector256.Narrow(Vector256.ConvertToInt32(v0).AsUInt32(), Vector256.ConvertToInt32(v1).AsUInt32());
    }

    private static void Row(float* x, byte* q, int n, float inverseScale, int zeroPoint)
    {
        int j = 0;
        var inv = Vector256.Create(inverseScale);
        var zp = Vector256.Create((float)zeroPoint);
        for (; j <= n - 16; j += 16)
        {
            var words = Quantize16(x + j, inv, zp);
            Vector128.Narrow(words.GetLower(), words.GetUpper()).Store(q + j);
        }
        for (; j < n; j++) q[j] = (byte)Int8Quantization.Quantize(x[j], inverseScale, zeroPoint);
    }

    /// <summary>
    /// y[r·yRowStride + c·yColStride] = requantize(acc[r·ldacc + c]) with scale[c] = inputScale·weightScales[c],
    /// column sums and bias (null: none) per column c, then max(0, ·) when <paramref name="relu"/>.
    /// Rows (yColStride 1, Dense) are Vector256 over columns; the transposed form (yRowStride 1,
    /// convolution into NCHW) works in 8×8 blocks transposed in registers, so stores stay contiguous.
    /// </summary>
    public static void Requantize(int* acc, int ldacc, int rows, int cols, int zeroPoint, int[] columnSums, float[] scales,
        float* bias, float* y, long yRowStride, long yColStride, bool relu = false)
    {
        int* offsets = stackalloc int[cols + 8];
        float* bs = stackalloc float[cols + 8];
        for (int c = 0; c < cols; c++)
        {
            offsets[c] = zeroPoint * columnSums[c];
            bs[c] = bias is null ? 0f : bias[c];
        }
        fixed (float* sc = scales)
        {
            if (yColStride == 1) RequantizeRows(acc, ldacc, rows, cols, offsets, sc, bs, y, yRowStride, relu);
            else if (yRowStride == 1) RequantizeTransposed(acc, ldacc, rows, cols, offsets, sc, bs, y, yColStride, relu);
            else
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < cols; c++)
                        y[r * yRowStride + c * yColStride] = Finish(acc[(long)r * ldacc + c], offsets[c], sc[c], bs[c], relu);
        }
    }

    // (acc − z·Σw)·scale + bias: the same float operations as Int8Quantization.Requantize, in the same order.
    private static float Finish(int acc, int offset, float scale, float bias, bool relu)
    {
        float v = (acc - offset) * scale + bias;
        return relu ? MathF.Max(v, 0f) : v;
    }

    private static Vector256<float> Finish(Vector256<int> acc, int* offset, float* scale, float* bias, bool relu)
    {
        var v = Vector256.ConvertToSingle(acc - Vector256.Load(offset)) * Vector256.Load(scale) + Vector256.Load(bias);
        return relu ? Vector256.Max(v, Vector256<float>.Zero) : v;
    }

    private static void RequantizeRows(int* acc, int ldacc, int rows, int cols, int* offsets, float* scales, float* bias,
        float* y, long yRowStride, bool relu)
    {
        for (int r = 0; r < rows; r++)
        {
            int* a = acc + (long)r * ldacc;
            float* dst = y + r * yRowStride;
            int c = 0;
            for (; c <= cols - 8; c += 8) Finish(Vector256.Load(a + c), offsets + c, scales + c, bias + c, relu).Store(dst + c);
            for (; c < cols; c++) dst[c] = Finish(a[c], offsets[c], scales[c], bias[c], relu);
        }
    }

    private static void RequantizeTransposed(int* acc, int ldacc, int rows, int cols, int* offsets, float* scales, float* bias,
        float* y, long ldy, bool relu)
    {
        int r0 = 0;
        for (; r0 <= rows - 8; r0 += 8)
        {
            int c0 = 0;
            for (; c0 <= cols - 8; c0 += 8)
            {
                int* a = acc + (long)r0 * ldacc + c0;
                var v0 = Finish(Vector256.Load(a), offsets + c0, scales + c0, bias + c0, relu);
                var v1 = Finish(Vector256.Load(a + ldacc), offsets + c0, scales + c0, bias + c0, relu);
                var v2 = Finish(Vector256.Load(a + 2 * ldacc), offsets + c0, scales + c0, bias + c0, relu);
                var v3 = Finish(Vector256.Load(a + 3 * ldacc), offsets + c0, scales + c0, bias + c0, relu);
                var v4 = Finish(Vector256.Load(a + 4 * ldacc), offsets + c0, scales + c0, bias + c0, relu);
                var v5 = Finish(Vector256.Load(a + 5 * ldacc), offsets + c0, scales + c0, bias + c0, relu);
                var v6 = Finish(Vector256.Load(a + 6 * ldacc), offsets + c0, scales + c0, bias + c0, relu);
                var v7 = Finish(Vector256.Load(a + 7 * ldacc), offsets + c0, scales + c0, bias + c0, relu);
                CpuTranspose.Transpose8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                float* d = y + r0 + c0 * ldy;
                v0.Store(d);
                v1.Store(d + ldy);
                v2.Store(d + 2 * ldy);
                v3.Store(d + 3 * ldy);
                v4.Store(d + 4 * ldy);
                v5.Store(d + 5 * ldy);
                v6.Store(d + 6 * ldy);
                v7.Store(d + 7 * ldy);
            }
            for (int r = r0; r < r0 + 8; r++)
                for (int c = c0; c < cols; c++)
                    y[r + c * ldy] = Finish(acc[(long)r * ldacc + c], offsets[c], scales[c], bias[c], relu);
        }
        for (int r = r0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                y[r + c * ldy] = Finish(acc[(long)r * ldacc + c], offsets[c], scales[c], bias[c], relu);
    }

}
