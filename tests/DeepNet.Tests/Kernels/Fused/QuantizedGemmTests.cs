using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Fused;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Fused;

/// <summary>
/// The CPU quantized GEMM (quantize → int8 GEMM → requantize) equals a scalar loop over
/// Int8Quantization's rules exactly, for Dense rows and for convolution columns read transposed.
/// </summary>
public class QuantizedGemmTests
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    [Property(MaxTest = 30)]
    public void Run_EqualsScalarReference(byte m, byte k, byte n, byte pq, bool bias, int seed)
    {
        int pqs = 1 + pq % 7, mm = pqs * (1 + m % 9), kk = 1 + k % 40, nn = 1 + n % 40;
        Check(mm, pqs, kk, nn, bias, seed);
    }

    [Theory]
    [InlineData(64, 1, 800, 10)]
    [InlineData(3 * 36, 36, 25, 32)]
    [InlineData(7, 1, 31, 33)]
    public void Run_EqualsScalarReference_AtModelShapes(int m, int pq, int k, int n) => Check(m, pq, k, n, true, m + k);

    private static void Check(int m, int pq, int k, int n, bool withBias, int seed)
    {
        var rng = new Random(seed);
        float[] x = Enumerable.Range(0, 2 + m * k).Select(_ => rng.NextSingle() * 6f - 2f).ToArray();
        float[] b = Enumerable.Range(0, n).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        sbyte[] w = Enumerable.Range(0, n * k).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
        float[] scales = Enumerable.Range(0, n).Select(_ => 0.001f + rng.NextSingle() * 0.05f).ToArray();
        const float scale = 8f / 255f;
        const int zp = 64;
        using var xb = Buffer(x);
        using var bb = Buffer(b);
        using var y = Cpu.Allocate(m * n);
        using var packed = PackedInt8Weight.Pack(Cpu, w, n, k, scales);
        Cpu.Run(new QuantizedGemm(xb, 2, m, pq, packed, withBias ? bb : null, 0, scale, zp, y));
        var actual = new float[m * n];
        Cpu.CopyToHost(y, 0, actual);
        Assert.Equal(Reference(x, 2, m, pq, k, n, w, scales, withBias ? b : null, scale, zp), actual);
    }

    private static float[] Reference(float[] x, int x0, int m, int pq, int k, int n, sbyte[] w, float[] ws, float[]? b, float scale, int zp)
    {
        var y = new float[m * n];
        float inv = 1f / scale;
        for (int row = 0; row < m; row++)
        {
            int image = row / pq, p = row % pq;
            for (int j = 0; j < n; j++)
            {
                int acc = 0, colSum = 0;
                for (int t = 0; t < k; t++)
                {
                    acc += Int8Quantization.Quantize(x[x0 + image * k * pq + t * pq + p], inv, zp) * w[j * k + t];
                    colSum += w[j * k + t];
                }
                y[image * n * pq + j * pq + p] = (acc - zp * colSum) * (scale * ws[j]) + (b?[j] ?? 0f);
            }
        }
        return y;
    }

    private static DeviceBuffer Buffer(float[] values)
    {
        var buffer = Cpu.Allocate(values.Length);
        Cpu.CopyFromHost(values, buffer, 0);
        return buffer;
    }
}
