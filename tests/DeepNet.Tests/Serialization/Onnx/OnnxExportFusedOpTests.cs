using DeepNet.Autograd;
using DeepNet.Autograd.Functions;
using DeepNet.Layers;
using DeepNet.Serialization.Onnx;
using DeepNet.Serialization.Onnx.Proto;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>
/// The fused primitives as ONNX nodes, checked by ONNX Runtime: softmax / log_softmax on any dim,
/// layer norm with or without weight and bias, attention with each mask kind (the trace is asserted to
/// run the fused op, so the mask mapping is what is tested), max-pool with ceil-mode overhangs.
/// </summary>
public sealed class OnnxExportFusedOpTests
{
    private static Func<int, Tensor> Randn(params int[] rest) =>
        n => Tensor.Randn([n, .. rest], new Generator((ulong)(7000 + n)));

    private static List<string> Ops(Module model, Tensor sample) =>
        ModelProto.Parser.ParseFrom(model.ExportOnnx(sample)).Graph.Node.Select(n => n.OpType).ToList();

    /// <summary>Any forward written as a lambda over the input, with its parameters registered.</summary>
    private sealed class Lambda : Module
    {
        private readonly Func<Lambda, Tensor, Tensor> _forward;

        public Lambda(Func<Lambda, Tensor, Tensor> forward, params (string Name, Tensor Value)[] parameters)
        {
            _forward = forward;
            foreach (var (name, value) in parameters) RegisterParameter(name, value);
        }

        public Tensor this[string name] => NamedParameters().Single(p => p.Name == name).Tensor;

        public Lambda With(string name, Module child)
        {
            RegisterModule(name, child);
            return this;
        }

        public override Tensor Forward(Tensor x) => DisposeScope.Run(() => _forward(this, x));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    [InlineData(2, true)]
    public void SoftmaxOnAnyDim_MatchesOnnxRuntime(int dim, bool log)
    {
        using var model = new Lambda((_, x) => log ? x.LogSoftmax(dim) : x.Softmax(dim));
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(4, 5));
        using var sample = Randn(4, 5)(2);
        Assert.Contains(log ? "LogSoftmax" : "Softmax", Ops(model, sample));
    }

    [Fact]
    public void SoftmaxOfAScalar_MatchesOnnxRuntime()
    {
        // a scalar of the first item (a mean over the batch would bake its size in)
        using var model = new Lambda((_, x) => x * x.Narrow(0, 0, 1).Sum().Softmax(0) + x.Narrow(0, 0, 1).Sum().LogSoftmax(-1));
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(3));
    }

    [Theory]
    [InlineData(true, true, 1e-5f)]
    [InlineData(false, true, 1e-3f)]
    [InlineData(true, false, 0.1f)]
    [InlineData(false, false, 1e-5f)]
    public void LayerNormCalledDirectly_MatchesOnnxRuntime(bool weight, bool bias, float eps)
    {
        var parameters = new List<(string, Tensor)>();
        if (weight) parameters.Add(("weight", Tensor.Rand([4, 5], new Generator(1), low: 0.5f, high: 1.5f)));
        if (bias) parameters.Add(("bias", Tensor.Randn([4, 5], new Generator(2))));
        using var model = new Lambda((m, x) => (x * 3f + 2f).LayerNorm([4, 5], weight ? m["weight"] : null, bias ? m["bias"] : null, eps),
            [.. parameters]);
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(3, 4, 5));
        using var sample = Randn(3, 4, 5)(2);
        var ops = Ops(model, sample);
        Assert.Contains("LayerNormalization", ops);
        Assert.DoesNotContain("ReduceSum", ops);
    }

    /// <summary>q, k, v [N, 2, L, 4] projected from x [N, 5, 8] (queries from the first <c>queries</c> rows) into the fused op.</summary>
    private sealed class Attention : Module
    {
        private readonly Dense _q = new(8, 8, generator: new Generator(3)), _k = new(8, 8, generator: new Generator(4)), _v = new(8, 8, generator: new Generator(5));
        private readonly Tensor? _mask, _padding;
        private readonly bool _causal;
        private readonly int _queries;

        public Attention(Tensor? mask, Tensor? padding, bool causal, int queries = 5)
        {
            (_mask, _padding, _causal, _queries) = (mask, padding, causal, queries);
            RegisterModule("q", _q);
            RegisterModule("k", _k);
            RegisterModule("v", _v);
            if (mask is not null) RegisterBuffer("mask", mask);
        }

        public override Tensor Forward(Tensor x) => DisposeScope.Run(() =>
        {
            int n = x.Shape[0];
            Tensor Heads(Dense projection, Tensor rows) => projection.Forward(rows).Reshape(n, rows.Shape[1], 2, 4).Permute(0, 2, 1, 3);
            var queries = x.Narrow(1, 0, _queries);
            var o = Tensor.ScaledDotProductAttention(Heads(_q, queries), Heads(_k, x), Heads(_v, x), _mask, _padding, 0f, _causal, null, null);
            return o.Permute(0, 2, 1, 3).Reshape(n, _queries, 8);
        });
    }

    // The trace must reach the fused op with these masks (a mask that requires grad would take the composite).
    private static void AssertTracesFusedAttention(Module model, Tensor sample, bool mask, bool padding, bool causal)
    {
        model.Eval();
        using var capture = GraphCapture.Begin();
        using var y = model.Forward(sample);
        var geometry = capture.Recorded.OfType<AttentionFunction>().Single().Geometry;
        Assert.Equal((mask, padding, causal), (geometry.HasMask != 0, geometry.HasPadding != 0, geometry.Causal != 0));
    }

    private static Tensor AdditiveMask(int[] shape, ulong seed)
    {
        var values = Tensor.Randn(shape, new Generator(seed)).ToArray();
        for (int i = 1; i < values.Length; i += 3) values[i] = float.NegativeInfinity;   // blocked keys, never a whole row
        return Tensor.FromArray(values, shape);
    }

    [Theory]
    [InlineData(new[] { 5, 5 })]
    [InlineData(new[] { 2, 5, 5 })]
    [InlineData(new[] { 1, 2, 1, 5 })]
    public void AttentionWithAnAdditiveMask_MatchesOnnxRuntime(int[] maskShape)
    {
        using var model = new Attention(AdditiveMask(maskShape, 6), null, causal: false);
        using var sample = Randn(5, 8)(2);
        AssertTracesFusedAttention(model, sample, mask: true, padding: false, causal: false);
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(5, 8));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(3)]
    public void CausalAttention_MatchesOnnxRuntime(int queries)
    {
        using var model = new Attention(null, null, causal: true, queries);
        using var sample = Randn(5, 8)(2);
        AssertTracesFusedAttention(model, sample, mask: false, padding: false, causal: true);
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(5, 8));
    }

    [Fact]
    public void CausalAttentionWithAKeyPaddingMask_MatchesOnnxRuntime()
    {
        using var padding = Tensor.FromArray([0f, 0f, 0f, float.NegativeInfinity, float.NegativeInfinity], [1, 1, 1, 5]);
        using var model = new Attention(null, padding, causal: true);
        using var sample = Randn(5, 8)(2);
        AssertTracesFusedAttention(model, sample, mask: false, padding: true, causal: true);
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(5, 8));
    }

    [Fact]
    public void AttentionDropoutCalledDirectly_IsRefusedNamingDropout()
    {
        using var model = new Lambda((_, x) =>
        {
            var heads = x.Reshape(x.Shape[0], 1, 5, 8);
            return Tensor.ScaledDotProductAttention(heads, heads, heads, dropoutP: 0.2f, generator: new Generator(9)).Reshape(x.Shape[0], 5, 8);
        });
        using var sample = Randn(5, 8)(2);
        var error = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(sample));
        Assert.Contains("dropout", error.Message);
        Assert.Contains("ScaledDotProductAttention", error.Message);
    }

    // The layer's mask is a view made in the forward, which a capture records (so it requires grad there):
    // the trace takes the composite, whose softmax is the fused op; the ONNX ops are the same.
    [Fact]
    public void MultiHeadAttentionWithAnAdditiveAttnMask_MatchesOnnxRuntime()
    {
        using var mask = AdditiveMask([5, 5], 7);
        var attention = new MultiHeadAttention(8, 2, batchFirst: true, generator: new Generator(8));
        using var model = new Lambda((_, x) => attention.Forward(x, x, x, attnMask: mask)).With("attention", attention);
        using var sample = Randn(5, 8)(2);
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(5, 8));
        var ops = Ops(model, sample);
        Assert.Single(ops, "Softmax");
        Assert.DoesNotContain("Exp", ops);
    }

    // Ceil mode with windows past the padding (dilated, strided): explicit −∞ rows and columns, then MaxPool.
    [Theory]
    [InlineData(3, 2, 1, 2)]
    [InlineData(2, 3, 0, 1)]
    [InlineData(3, 3, 1, 1)]
    public void MaxPool2DInCeilMode_MatchesOnnxRuntime(int kernel, int stride, int padding, int dilation)
    {
        using var model = new MaxPool2D(kernel, stride, padding, dilation, ceilMode: true);
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(3, 7, 8));
        using var sample = Randn(3, 7, 8)(2);
        var ops = Ops(model, sample);
        Assert.Contains("MaxPool", ops);
        Assert.DoesNotContain("ReduceMax", ops);
    }
}
