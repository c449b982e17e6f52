using System.Runtime.Intrinsics;

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

    private static void Row(float* x, byte* q, int n, float inverseScale, int zeroPoint)
    {
        int j = 0;
        var inv = Vector256.Create(inverseScale);
        var lo = Vector256.Create(-512f);
        var hi = Vector256.Create(512f);
        var zp = Vector256.Create((float)zeroPoint);
        var max = Vector256.Create(255f);
        for (; j <= n - 16; j += 16)
        {
            var v0 = Vector256.Min(Vector256.Max(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.Load(x + j) * inv, lo), hi)) + zp, Vector256<float>.Zero), max);
            var v1 = Vector256.Min(Vector256.Max(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.Load(x + j + 8) * inv, lo), hi)) + zp, Vector256<float>.Zero), max);
            var words = Vector256.Narrow(Vector256.ConvertToInt32(v0).AsUInt32(), Vector256.ConvertToInt32(v1).AsUInt32());
            Vector128.Narrow(words.GetLower(), words.GetUpper()).Store(q + j);
        }
        for (; j < n; j++) q[j] = (byte)Int8Quantization.Quantize(x[j], inverseScale, zeroPoint);
    }

    /// <summary>
    /// y[r·yRowStride + c·yColStride] = requantize(acc[r·ldacc + c]) with scale[c] = inputScale·weightScales[c],
    /// column sums and bias (null: none) per column c.
    /// </summary>
    public static void Requantize(int* acc, int ldacc, int rows, int cols, int zeroPoint, int[] columnSums, float[] scales,
        float* bias, float* y, long yRowStride, long yColStride)
    {
        for (int r = 0; r < rows; r++)
        {
            int* a = acc + (long)r * ldacc;
            float* dst = y + r * yRowStride;
            for (int c = 0; c < cols; c++)
                dst[c * yColStride] = Int8Quantization.Requantize(a[c], zeroPoint, columnSums[c], scales[c], bias is null ? 0f : bias[c]);
        }
    }
}
