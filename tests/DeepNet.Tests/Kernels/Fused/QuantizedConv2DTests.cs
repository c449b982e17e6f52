using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Fused;

/// <summary>
/// The CPU int8 convolution (channels-last im2row + int8 GEMM) equals a scalar loop: quantize each
/// input with Int8Quantization, zero padding as the zero point's code, int32 sums in (c, r, s)
/// order, requantize. Random geometries with stride, padding and dilation.
/// </summary>
public class QuantizedConv2DTests
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    [Property(MaxTest = 25)]
    public void Run_EqualsScalarReference(byte n, byte c, byte k, byte h, byte r, byte stride, byte pad, bool dilate, bool bias, int seed)
    {
        int rr = 1 + r % 3, dil = dilate ? 2 : 1, hh = (rr - 1) * dil + 1 + h % 6;
        var g = new Conv2DGeometry(1 + n % 3, 1 + c % 5, hh, hh + 1, rr, rr, 1 + stride % 2, 1 + stride % 2, pad % 2, pad % 2, dil, dil);
        Check(g, 1 + k % 9, bias, seed);
    }

    [Fact]
    public void Run_EqualsScalarReference_AtMnistShapes()
    {
        Check(new Conv2DGeometry(2, 1, 28, 28, 3, 3, 1, 1, 0, 0, 1, 1), 32, true, 1);
        Check(new Conv2DGeometry(2, 32, 13, 13, 3, 3, 1, 1, 1, 1, 1, 1), 64, true, 2);
    }

    private static void Check(Conv2DGeometry g, int outChannels, bool withBias, int seed)
    {
        var rng = new Random(seed);
        float[] x = Enumerable.Range(0, g.N * g.C * g.H * g.W).Select(_ => rng.NextSingle() * 3f - 1f).ToArray();
        float[] b = Enumerable.Range(0, outChannels).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        int kk = g.ColumnRows;
        sbyte[] w = Enumerable.Range(0, outChannels * kk).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
        float[] ws = Enumerable.Range(0, outChannels).Select(_ => 0.002f + rng.NextSingle() * 0.02f).ToArray();
        const float scale = 4f / 255f;
        const int zp = 70;
        using var xb = Buffer(x);
        using var bb = Buffer(b);
        using var y = Cpu.Allocate((long)g.N * outChannels * g.P * g.Q);
        using var packed = PackedInt8Weight.Pack(Cpu, w, outChannels, kk, ws, (g.C, g.R, g.S));
        Cpu.Run(new QuantizedConv2D(xb, g, packed, withBias ? bb : null, 0, scale, zp, y));
        var actual = new float[y.Length];
        Cpu.CopyToHost(y, 0, actual);
        Assert.Equal(Reference(g, x, outChannels, w, ws, withBias ? b : null, scale, zp), actual);
    }

    private static float[] Reference(Conv2DGeometry g, float[] x, int outChannels, sbyte[] w, float[] ws, float[]? b, float scale, int zp)
    {
        var y = new float[g.N * outChannels * g.P * g.Q];
        float inv = 1f / scale;
        int kk = g.ColumnRows;
        for (int n = 0; n < g.N; n++)
            for (int o = 0; o < outChannels; o++)
                for (int p = 0; p < g.P; p++)
                    for (int q = 0; q < g.Q; q++)
                    {
                        int acc = 0, colSum = 0;
                        for (int c = 0; c < g.C; c++)
                            for (int r = 0; r < g.R; r++)
                                for (int s = 0; s < g.S; s++)
                                {
                                    int h = p * g.StrideH + r * g.DilationH - g.PadH, v = q * g.StrideW + s * g.DilationW - g.PadW;
                                    int code = h < 0 || h >= g.H || v < 0 || v >= g.W ? zp
                                        : Int8Quantization.Quantize(x[((n * g.C + c) * g.H + h) * g.W + v], inv, zp);
                                    int wv = w[o * kk + (c * g.R + r) * g.S + s];
                                    acc += code * wv;
                                    colSum += wv;
                                }
                        y[((n * outChannels + o) * g.P + p) * g.Q + q] = (acc - zp * colSum) * (scale * ws[o]) + (b?[o] ?? 0f);
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
