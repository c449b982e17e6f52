using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The fused scaled-dot-product attention (Kernels/Fused/Attention, flash-style) against the
/// materialized composite softmax(q·kᵀ·scale + mask)·v: forward and the gradients of q, k and v,
/// with every mask kind (none, additive [L, S] and per-head, key padding, causal with L = S and
/// L ≠ S), strided operands, Ev ≠ E and more keys than one block. Run on the CPU, the GPU emulator
/// (the ILGPU kernels) and CUDA.
/// </summary>
public abstract class AttentionTests
{
    private const float Tolerance = 1e-4f;

    protected abstract Device Device { get; }

    /// <summary>The composite: scores [.., L, S], softmax, then ·v; causal as torch's top-left tril.</summary>
    public static Tensor Composite(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor? padding, bool causal, float? scale = null,
        float dropout = 0f, Generator? generator = null) =>
        DisposeScope.Run(() =>
        {
            int l = q.ShapeArray[^2], s = k.ShapeArray[^2];
            var scores = q.MatMul(k.Transpose(-2, -1)) * (scale ?? 1f / MathF.Sqrt(q.ShapeArray[^1]));
            if (causal)
            {
                var later = Tensor.Arange(s, q.Device).Reshape(1, s).Gt(Tensor.Arange(l, q.Device).Reshape(l, 1));
                scores += Tensor.Where(later, Tensor.Full([], float.NegativeInfinity, q.Device), Tensor.Zeros([], q.Device));
            }
            if (mask is not null) scores += mask;
            if (padding is not null) scores += padding;
            var weights = scores.Softmax(-1);
            if (dropout > 0f) weights = weights.Dropout(dropout, true, generator);
            return weights.MatMul(v);
        });

    private void Check(string label, int[] qShape, int[] kShape, int[] vShape, (float[], int[])? mask = null, bool causal = false,
        (float[], int[])? padding = null, float? scale = null)
    {
        var inputs = new List<(float[], int[])>
        {
            RandomData.Uniform(qShape.Sum(), qShape, -2f, 2f), RandomData.Uniform(kShape.Sum() + 1, kShape, -2f, 2f),
            RandomData.Uniform(vShape.Sum() + 2, vShape),
        };
        // Masks enter as constants (no gradient), like the masks of a layer.
        Tensor? Constant((float[] Data, int[] Shape)? m) => m is { } x ? Tensor.FromArray(x.Data, x.Shape, Device) : null;
        using var maskTensor = Constant(mask);
        using var padTensor = Constant(padding);
        CompositeCheck.AssertSame(Device,
            t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], maskTensor, padTensor, 0f, causal, scale, null),
            t => Composite(t[0], t[1], t[2], maskTensor, padTensor, causal, scale), label, Tolerance, [.. inputs]);
    }

    private static (float[], int[]) MaskOf(int seed, int[] shape, double blockedShare)
    {
        var rng = new Random(seed);
        var data = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b))
            .Select(_ => rng.NextDouble() < blockedShare ? float.NegativeInfinity : (float)(rng.NextDouble() - 0.5)).ToArray();
        return (data, shape);
    }

    [ParityFact]
    public void Attention_WithoutMask_MatchesComposite()
    {
        Check("4-d", [2, 3, 5, 8], [2, 3, 7, 8], [2, 3, 7, 8]);
        Check("3-d, Ev ≠ E, scale", [3, 4, 6], [3, 9, 6], [3, 9, 5], scale: 0.3f);
        Check("2-d", [5, 4], [6, 4], [6, 4]);
    }

    [ParityFact]
    public void Attention_WithMasks_MatchesComposite()
    {
        // every row keeps key 0 finite, so no row is blocked everywhere
        var lsMask = MaskOf(1, [5, 7], 0.3);
        for (int i = 0; i < 5; i++) lsMask.Item1[i * 7] = 0f;
        Check("additive [L, S]", [2, 3, 5, 8], [2, 3, 7, 8], [2, 3, 7, 8], mask: lsMask);
        var headMask = MaskOf(2, [2, 3, 5, 7], 0.0);
        Check("additive [N, H, L, S]", [2, 3, 5, 8], [2, 3, 7, 8], [2, 3, 7, 8], mask: headMask);
        var pad = MaskOf(3, [2, 1, 1, 7], 0.0);
        pad.Item1[3] = pad.Item1[9] = float.NegativeInfinity;
        Check("key padding [N, 1, 1, S]", [2, 3, 5, 8], [2, 3, 7, 8], [2, 3, 7, 8], mask: lsMask, padding: pad);
    }

    [ParityFact]
    public void Attention_Causal_MatchesComposite()
    {
        Check("causal L = S", [2, 2, 6, 4], [2, 2, 6, 4], [2, 2, 6, 4], causal: true);
        Check("causal L < S (top-left)", [1, 2, 4, 4], [1, 2, 9, 4], [1, 2, 9, 3], causal: true);
    }

    [ParityFact]
    public void Attention_OverSeveralKeyBlocks_WithBlockedFirstBlock_MatchesComposite()
    {
        // 200 keys: two blocks of the online softmax; row 0 is blocked on its whole first block.
        var mask = MaskOf(4, [3, 200], 0.2);
        for (int j = 0; j < 150; j++) mask.Item1[j] = float.NegativeInfinity;
        for (int i = 0; i < 3; i++) mask.Item1[i * 200 + 170] = 0.5f;
        Check("200 keys", [1, 2, 3, 4], [1, 2, 200, 4], [1, 2, 200, 4], mask: mask);
    }

    [ParityFact]
    public void Attention_WithDropout_DropsTheWeightsTheCompositeDrops()
    {
        // The same generator state draws the same uniforms: Rand([N, H, L, S]) in the composite, in the kernel here.
        var mask = MaskOf(6, [5, 70], 0.2);
        for (int i = 0; i < 5; i++) mask.Item1[i * 70] = 0f;
        using var maskTensor = Tensor.FromArray(mask.Item1, mask.Item2, Device);
        var inputs = new[] { RandomData.Uniform(13, [2, 3, 5, 8], -2f, 2f), RandomData.Uniform(14, [2, 3, 70, 8], -2f, 2f), RandomData.Uniform(15, [2, 3, 70, 6]) };
        CompositeCheck.AssertSame(Device,
            t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], maskTensor, dropoutP: 0.3f, generator: new Generator(9)),
            t => Composite(t[0], t[1], t[2], maskTensor, null, false, dropout: 0.3f, generator: new Generator(9)), "dropout 0.3", Tolerance, inputs);
        CompositeCheck.AssertSame(Device,
            t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], isCausal: true, dropoutP: 0.5f, generator: new Generator(10)),
            t => Composite(t[0], t[1], t[2], null, null, true, dropout: 0.5f, generator: new Generator(10)), "causal, dropout 0.5", Tolerance,
            RandomData.Uniform(16, [1, 2, 6, 4], -2f, 2f), RandomData.Uniform(17, [1, 2, 6, 4], -2f, 2f), RandomData.Uniform(18, [1, 2, 6, 4]));
    }

    [ParityFact]
    public void Attention_OnStridedOperands_MatchesComposite()
    {
        // q, k, v as the head views of one projection [N, L, 3·H·d] (what MultiHeadAttention passes)
        var qkv = RandomData.Uniform(5, [2, 6, 3 * 2 * 4], -2f, 2f);
        Tensor Head(Tensor x, int part) => x.Narrow(-1, part * 8, 8).Reshape(2, 6, 2, 4).Permute(0, 2, 1, 3);
        CompositeCheck.AssertSame(Device,
            t => Tensor.ScaledDotProductAttention(Head(t[0], 0), Head(t[0], 1), Head(t[0], 2), isCausal: true),
            t => Composite(Head(t[0], 0), Head(t[0], 1), Head(t[0], 2), null, null, causal: true), "strided heads", Tolerance, qkv);
    }

    [ParityFact]
    public void Attention_RowBlockedEverywhere_IsNaNLikeSoftmax()
    {
        using var scope = new DisposeScope();
        var q = Tensor.Ones([1, 2, 3], Device);
        var mask = Tensor.FromArray([float.NegativeInfinity, float.NegativeInfinity, 0f, 0f], [2, 2], Device);
        var y = Tensor.ScaledDotProductAttention(q, Tensor.Ones([1, 2, 3], Device), Tensor.Ones([1, 2, 3], Device), mask).ToArray();
        Assert.All(y[..3], v => Assert.True(float.IsNaN(v)));
        Assert.All(y[3..], v => Assert.Equal(1f, v, 5));
    }

    [ParityFact]
    public void Attention_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], isCausal: true), Device,
            RandomData.Uniform(8, [1, 2, 3, 2], -1f, 1f), RandomData.Uniform(9, [1, 2, 3, 2], -1f, 1f), RandomData.Uniform(10, [1, 2, 3, 2]));

    [ParityFact]
    public void Attention_WithBadShapes_ThrowsNamingThem()
    {
        using var scope = new DisposeScope();
        var q = Tensor.Zeros([2, 3, 4], Device);
        var kv = Tensor.Zeros([2, 5, 4], Device);
        var error = Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(q, kv, kv, Tensor.Zeros([3, 4], Device)));
        Assert.Contains("scaled_dot_product_attention", error.Message);
        Assert.Contains("[3,4]", error.Message);
        Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(q, Tensor.Zeros([2, 5, 3], Device), kv));
        Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(q, kv, kv, Tensor.Zeros([3, 5], Device), isCausal: true));
    }
}

public sealed class CpuAttentionTests : AttentionTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorAttentionTests : AttentionTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaAttentionTests : AttentionTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
