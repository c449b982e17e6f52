using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// The output side of the fused int8 Dense (CpuInt8Gemm.RunFused): per column j the zero-point
// correction z·Σ_k w[j, k], the combined scale s_x·s_w[j] and the bias, then ReLU when asked:
// y = max(0, (acc − z·Σw)·scale + b) — Int8Quantization.Requantize's operations in its order, so the
// fused GEMM equals the separate requantize pass bit for bit. Oracle: CpuInt8GemmTests.

/// <summary>The per-column constants of one quantized Dense call (input scale and zero point fixed).</summary>
public sealed class CpuInt8Epilogue
{
    /// <summary>For <paramref name="w"/> with activations of <paramref name="inputScale"/> / <paramref name="zeroPoint"/>; bias [N] or null.</summary>
    public CpuInt8Epilogue(CpuInt8Weight w, float inputScale, int zeroPoint, ReadOnlySpan<float> bias, bool relu)
    {
        if (!bias.IsEmpty && bias.Length != w.N)
            throw new ArgumentException($"int8 gemm: bias of {bias.Length} values for {w.N} output channels");
        N = w.N;
        Offsets = new int[N];
        Scales = new float[N];
        Bias = new float[N];
        for (int j = 0; j < N; j++)
        {
            Offsets[j] = zeroPoint * w.ColumnSums[j];
            Scales[j] = inputScale * w.Scales[j];
            Bias[j] = bias.IsEmpty ? 0f : bias[j];
        }
        Relu = relu;
    }

    public int N { get; }
    public int[] Offsets { get; }
    public float[] Scales { get; }
    public float[] Bias { get; }
    public bool Relu { get; }

    /// <summary>y[c] = requantize(acc[c]) for c &lt; cols, the constants read from column 0 of the pointers.</summary>
    internal static unsafe void Row(int* acc, int cols, int* offsets, float* scales, float* bias, float* y, bool relu)
    {
        int c = 0;
        for (; c <= cols - 8; c += 8)
        {
            var v = Vector256.ConvertToSingle(Vector256.Load(acc + c) - Vector256.Load(offsets + c)) * Vector256.Load(scales + c) + Vector256.Load(bias + c);
            (relu ? Vector256.Max(v, Vector256<float>.Zero) : v).Store(y + c);
        }
        for (; c < cols; c++)
        {
            float v = (acc[c] - offsets[c]) * scales[c] + bias[c];
            y[c] = relu ? MathF.Max(v, 0f) : v;
        }
    }
}
