using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Tensors;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Kernels.Fused;

/// <summary>
/// The CPU int8 attention equals a scalar loop over its rules (Int8Quantization: row ranges, symmetric rows and
/// columns, the probability code) bit for bit on every ISA path this machine has, with and without masks, causal,
/// strided masks and awkward sizes; and it stays within int8 tolerance of the float attention.
/// </summary>
public class QuantizedAttentionTests
{
    /// <summary>Worst |int8 − float| allowed, as a fraction of max |v| (per-row q, per-row k, per-column v, p at 1/255).</summary>
    private const float FloatTolerance = 0.05f;

    private static CpuBackend Cpu => CpuBackend.Instance;

    public static TheoryData<Int8GemmPath> Paths => [.. Enum.GetValues<Int8GemmPath>()];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Run_EqualsScalarReference_AtAwkwardShapes(Int8GemmPath path)
    {
        Assert.SkipUnless(Int8GemmPaths.IsSupported(path), $"this CPU has no {path} instructions");
        foreach (var (n, h, l, s, d, dv) in new[] { (1, 1, 1, 1, 1, 1), (2, 3, 7, 5, 3, 17), (1, 2, 13, 129, 33, 40), (2, 1, 64, 64, 16, 16), (1, 1, 200, 70, 8, 5) })
            foreach (var kind in Enum.GetValues<MaskKind>())
                Check(path, n, h, l, s, d, dv, kind, seed: n * 1000 + l * 10 + (int)kind);
    }

    [Property(MaxTest = 25)]
    public void Run_EqualsScalarReference_ForRandomShapes(byte l, byte s, byte d, byte dv, byte kind, int seed)
    {
        var maskKind = (MaskKind)(kind % Enum.GetValues<MaskKind>().Length);
        foreach (var path in Enum.GetValues<Int8GemmPath>().Where(Int8GemmPaths.IsSupported))
            Check(path, 2, 2, 1 + l % 20, 1 + s % 40, 1 + d % 36, 1 + dv % 36, maskKind, seed);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Run_OnInterleavedProjectionViews_EqualsScalarReference(Int8GemmPath path)
    {
        Assert.SkipUnless(Int8GemmPaths.IsSupported(path), $"this CPU has no {path} instructions");
        // MultiHeadAttention's q, k, v: views of one [N, L, 3, H, D] projection (rows far apart: the prefetching loops).
        int n = 2, h = 3, l = 29, d = 12, row = 3 * h * d;
        var rng = new Random(5);
        float[] qkv = Enumerable.Range(0, n * l * row).Select(_ => rng.NextSingle() * 4f - 2f).ToArray();
        var g = new AttentionGeometry
        {
            N = n, H = h, L = l, S = l, D = d, Dv = d, Scale = 0.3f,
            QN = l * row, QH = d, QL = row, K0 = h * d, KN = l * row, KH = d, KS = row, V0 = 2 * h * d, VN = l * row, VH = d, VS = row,
        };
        using var b = Buffer(qkv);
        using var ob = Cpu.Allocate(n * l * h * d);
        Cpu.Run(new QuantizedAttention(g, b, b, b, null, null, ob, path));
        var actual = new float[n * l * h * d];
        Cpu.CopyToHost(ob, 0, actual);
        Assert.Equal(Reference(g, qkv, qkv, qkv, null, null), actual);
    }

    [Fact]
    public void Run_LongKeySequences_SplitTheRowsAndStayExact()
    {
        // 40k score words per head exceed one task's scratch: the rows are split into smaller blocks.
        Check(Int8GemmPaths.Best, 1, 1, 300, 700, 8, 8, MaskKind.Padding, seed: 3);
    }

    [Fact]
    public void Forward_IsWithinInt8ToleranceOfTheFloatAttention()
    {
        var g = new Generator(11);
        using var noGrad = GradMode.NoGrad();
        using var q = Tensor.Randn([2, 4, 37, 32], g);
        using var k = Tensor.Randn([2, 4, 45, 32], g);
        using var v = Tensor.Randn([2, 4, 45, 24], g);
        using var blocked = Tensor.Rand([37, 45], g).Gt(0.8f);
        using var mask = Tensor.Where(blocked, Tensor.Full([], float.NegativeInfinity), Tensor.Zeros([]));
        float vmax = v.Abs().Max().Item<float>();
        foreach (var (m, causal) in new (Tensor?, bool)[] { (null, false), (mask, false), (null, true) })
        {
            using var expected = Tensor.ScaledDotProductAttention(q, k, v, m, isCausal: causal);
            using var actual = Tensor.QuantizedScaledDotProductAttention(q, k, v, m, isCausal: causal);
            Assert.Equal(expected.ShapeArray, actual.ShapeArray);
            float[] e = expected.ToArray(), a = actual.ToArray();
            float worst = e.Zip(a, (x, y) => Math.Abs(x - y)).Max();
            double mean = e.Zip(a, (x, y) => (double)Math.Abs(x - y)).Average();
            Assert.True(worst <= FloatTolerance * vmax, $"mask {m is not null}, causal {causal}: worst {worst} > {FloatTolerance}·{vmax}");
            Assert.True(mean <= 0.005 * vmax, $"mask {m is not null}, causal {causal}: mean difference {mean}");
        }
    }

    [Fact]
    public void Forward_RowMaskedEverywhere_IsNaN_AsTheFloatAttention()
    {
        using var noGrad = GradMode.NoGrad();
        using var q = Tensor.Randn([1, 1, 2, 4], new Generator(1));
        using var kv = Tensor.Randn([1, 1, 3, 4], new Generator(2));
        using var mask = Tensor.FromArray([0f, 0f, 0f, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity], [2, 3]);
        using var y = Tensor.QuantizedScaledDotProductAttention(q, kv, kv, mask);
        float[] o = y.ToArray();
        Assert.All(o[..4], x => Assert.True(float.IsFinite(x)));
        Assert.All(o[4..], x => Assert.True(float.IsNaN(x)));
    }

    [Fact]
    public void Forward_NaNInAKey_MakesEveryRowThatSeesItNaN()
    {
        using var noGrad = GradMode.NoGrad();
        using var q = Tensor.Randn([1, 1, 3, 4], new Generator(1));
        float[] keys = Tensor.Randn([1, 1, 3, 4], new Generator(2)).ToArray();
        keys[5] = float.NaN;   // key 1
        using var k = Tensor.FromArray(keys, [1, 1, 3, 4]);
        using var v = Tensor.Randn([1, 1, 3, 4], new Generator(3));
        using var causal = Tensor.QuantizedScaledDotProductAttention(q, k, v, isCausal: true);
        float[] o = causal.ToArray();
        Assert.All(o[..4], x => Assert.True(float.IsFinite(x)));   // row 0 sees key 0 only
        Assert.All(o[4..], x => Assert.True(float.IsNaN(x)));
        // A value column is quantized with one scale over all keys: a NaN in it reaches every row's column.
        using var vNaN = Tensor.FromArray(keys, [1, 1, 3, 4]);
        float[] column = Tensor.QuantizedScaledDotProductAttention(q, v, vNaN, isCausal: true).ToArray();
        Assert.True(float.IsNaN(column[1]) && float.IsFinite(column[0]));
    }

    [Fact]
    public void Forward_RefusesGradientsFloat64AndMismatchedShapes()
    {
        using var q = Tensor.Randn([1, 2, 3, 4], new Generator(1)).RequiresGradient();
        using var k = Tensor.Randn([1, 2, 3, 4], new Generator(2));
        var grad = Assert.Throws<InvalidOperationException>(() => Tensor.QuantizedScaledDotProductAttention(q, k, k));
        Assert.Contains("quantized_scaled_dot_product_attention", grad.Message);
        using var noGrad = GradMode.NoGrad();
        using var q64 = k.To(DType.Float64);
        Assert.Contains("Float64", Assert.Throws<ArgumentException>(() => Tensor.QuantizedScaledDotProductAttention(q64, k, k)).Message);
        using var wrong = Tensor.Randn([1, 2, 3, 5], new Generator(3));
        Assert.Contains("[N, H, S, E]", Assert.Throws<ArgumentException>(() => Tensor.QuantizedScaledDotProductAttention(k, wrong, wrong)).Message);
        using var mask = Tensor.Zeros([2, 3]);
        Assert.Contains("either attn_mask or is_causal", Assert.Throws<ArgumentException>(() => Tensor.QuantizedScaledDotProductAttention(k, k, k, mask, isCausal: true)).Message);
    }

    public enum MaskKind { None, Mask, Padding, Both, Causal, Strided }

    private static void Check(Int8GemmPath path, int n, int h, int l, int s, int d, int dv, MaskKind kind, int seed)
    {
        var rng = new Random(seed);
        float[] Values(int count, float spread) => Enumerable.Range(0, count).Select(_ => (rng.NextSingle() * 2f - 1f) * spread).ToArray();
        float[] q = Values(n * h * l * d, 2f), k = Values(n * h * s * d, 1.5f), v = Values(n * h * s * dv, 3f);
        // Some −∞ (blocked) and finite additive values; the first key is never blocked so no row is empty.
        float[] Mask(int count, int stride) => Enumerable.Range(0, count)
            .Select(i => i / stride % s == 0 ? 0.25f : rng.NextSingle() < 0.3f ? float.NegativeInfinity : rng.NextSingle() - 0.5f).ToArray();
        var g = new AttentionGeometry
        {
            N = n, H = h, L = l, S = s, D = d, Dv = dv, Scale = 1f / MathF.Sqrt(d), Causal = kind == MaskKind.Causal ? 1 : 0,
            QN = h * l * d, QH = l * d, QL = d, KN = h * s * d, KH = s * d, KS = d, VN = h * s * dv, VH = s * dv, VS = dv,
        };
        float[]? mask = null, pad = null;
        if (kind is MaskKind.Mask or MaskKind.Both)
        {
            mask = Mask(l * s, 1);   // [L, S] broadcast over N and H
            (g.HasMask, g.ML, g.MS) = (1, s, 1);
        }
        if (kind is MaskKind.Strided)
        {
            mask = Mask(s * l, l);   // a transposed [S, L] buffer read as [L, S]
            (g.HasMask, g.ML, g.MS) = (1, 1, l);
        }
        if (kind is MaskKind.Padding or MaskKind.Both)
        {
            pad = Mask(n * s, 1);   // [N, 1, 1, S]
            (g.HasPadding, g.PN, g.PS) = (1, s, 1);
        }
        using var qb = Buffer(q);
        using var kb = Buffer(k);
        using var vb = Buffer(v);
        using var mb = mask is null ? null : Buffer(mask);
        using var pb = pad is null ? null : Buffer(pad);
        using var ob = Cpu.Allocate(n * l * h * dv);
        Cpu.Run(new QuantizedAttention(g, qb, kb, vb, mb, pb, ob, path));
        var actual = new float[n * l * h * dv];
        Cpu.CopyToHost(ob, 0, actual);
        Assert.Equal(Reference(g, q, k, v, mask, pad), actual);
    }

    // The rules of Kernels/Fused/QuantizedAttention, one scalar loop per output row.
    private static float[] Reference(AttentionGeometry g, float[] q, float[] k, float[] v, float[]? mask, float[]? pad)
    {
        var o = new float[g.N * g.L * g.H * g.Dv];
        for (int n = 0; n < g.N; n++)
            for (int h = 0; h < g.H; h++)
            {
                var kScale = new float[g.S];
                var kCodes = new int[g.S, g.D];
                for (int j = 0; j < g.S; j++)
                {
                    float amax = 0f;
                    for (int d = 0; d < g.D; d++) amax = Math.Max(amax, Math.Abs(k[g.KAt(n, h, j) + d]));
                    kScale[j] = Int8Quantization.SymmetricScale(amax);
                    for (int d = 0; d < g.D; d++) kCodes[j, d] = Int8Quantization.QuantizeSymmetric(k[g.KAt(n, h, j) + d], 1f / kScale[j]);
                }
                var vScale = new float[g.Dv];
                for (int c = 0; c < g.Dv; c++)
                {
                    float amax = 0f;
                    for (int j = 0; j < g.S; j++) amax = Math.Max(amax, Math.Abs(v[g.VAt(n, h, j) + c]));
                    vScale[c] = Int8Quantization.SymmetricScale(amax);
                }
                for (int i = 0; i < g.L; i++)
                {
                    int qi = g.QAt(n, h, i), end = g.KeyEnd(i);
                    float min = 0f, max = 0f;
                    for (int d = 0; d < g.D; d++) (min, max) = (Math.Min(min, q[qi + d]), Math.Max(max, q[qi + d]));
                    float qs = Int8Quantization.RangeScale(min, max);
                    int zq = Int8Quantization.RangeZeroPoint(min, qs);
                    var scores = new float[end];
                    for (int j = 0; j < end; j++)
                    {
                        int dot = 0, kSum = 0;
                        for (int d = 0; d < g.D; d++)
                        {
                            dot += Int8Quantization.Quantize(q[qi + d], 1f / qs, zq) * kCodes[j, d];
                            kSum += kCodes[j, d];
                        }
                        float x = (float)(dot - zq * kSum) * (qs * g.Scale) * kScale[j];
                        if (mask is not null) x += mask[g.M0 + n * g.MN + h * g.MH + i * g.ML + j * g.MS];
                        if (pad is not null) x += pad[g.P0 + n * g.PN + h * g.PH + i * g.PL + j * g.PS];
                        scores[j] = x;
                    }
                    float m = scores.Max();
                    var p = scores.Select(x => Int8Quantization.ProbabilityCode(x - m)).ToArray();
                    int sum = p.Sum();
                    for (int c = 0; c < g.Dv; c++)
                    {
                        int acc = 0;
                        for (int j = 0; j < end; j++) acc += p[j] * Int8Quantization.QuantizeSymmetric(v[g.VAt(n, h, j) + c], 1f / vScale[c]);
                        o[g.OAt(n, h, i) + c] = acc * vScale[c] * (1f / sum);
                    }
                }
            }
        return o;
    }

    private static DeviceBuffer Buffer(float[] values)
    {
        var buffer = Cpu.Allocate(values.Length);
        Cpu.CopyFromHost(values, buffer, 0);
        return buffer;
    }
}
