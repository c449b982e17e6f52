using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>Every shipped layer exported and run by ONNX Runtime at two batch sizes, equal to DeepNet's forward.</summary>
public sealed class OnnxExportLayerTests
{
    private static Func<int, Tensor> Randn(params int[] rest) =>
        n => Tensor.Randn([n, .. rest], new Generator((ulong)(1000 + n)));

    private static Func<int, Tensor> Ids(int vocab, int length) =>
        n => Tensor.RandInt(0, vocab, [n, length], new Generator((ulong)(2000 + n)));

    private static void Check(Module model, Func<int, Tensor> input, int batchDim = 0)
    {
        using (model) OnnxExportCheck.AgreesWithOnnxRuntime(model, input, batchDim);
    }

    private static Generator Init() => new(7);

    [Theory]
    [InlineData(Activation.Identity, true)]
    [InlineData(Activation.Relu, true)]
    [InlineData(Activation.Gelu, true)]
    [InlineData(Activation.GeluTanh, false)]
    [InlineData(Activation.Tanh, true)]
    [InlineData(Activation.Sigmoid, false)]
    public void Dense_MatchesOnnxRuntime(Activation activation, bool bias) =>
        Check(new Dense(5, 4, bias, Init(), activation), Randn(5));

    [Fact]
    public void Dense_OnThreeDimInput_MatchesOnnxRuntime() => Check(new Dense(6, 3, generator: Init()), Randn(4, 6));

    [Theory]
    [InlineData(1, 0, 1, 1, true, Activation.Identity)]
    [InlineData(2, 1, 1, 1, true, Activation.Relu)]
    [InlineData(1, 2, 2, 1, false, Activation.Identity)]
    [InlineData(1, 1, 1, 2, true, Activation.Tanh)]
    public void Conv2D_MatchesOnnxRuntime(int stride, int padding, int dilation, int groups, bool bias, Activation activation) =>
        Check(new Conv2D(4, 6, 3, stride, padding, dilation, groups, bias, Init(), activation), Randn(4, 9, 8));

    [Theory]
    [InlineData(2, null, 0, 1, false)]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(2, 1, 0, 2, false)]
    [InlineData(3, 2, 1, 1, true)]
    [InlineData(2, 2, 0, 1, true)]
    public void MaxPool2D_MatchesOnnxRuntime(int kernel, int? stride, int padding, int dilation, bool ceilMode) =>
        Check(new MaxPool2D(kernel, stride, padding, dilation, ceilMode), Randn(3, 7, 8));

    [Theory]
    [InlineData(2, null, 0, false, true)]
    [InlineData(3, 2, 1, false, true)]
    [InlineData(3, 2, 1, false, false)]
    [InlineData(3, 2, 1, true, true)]
    [InlineData(2, 2, 0, true, false)]
    public void AvgPool2D_MatchesOnnxRuntime(int kernel, int? stride, int padding, bool ceilMode, bool countIncludePad) =>
        Check(new AvgPool2D(kernel, stride, padding, ceilMode, countIncludePad), Randn(3, 7, 8));

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void BatchNorm1D_InEval_MatchesOnnxRuntime(bool sequence, bool affine)
    {
        var norm = new BatchNorm1D(4, affine: affine);
        var input = sequence ? Randn(4, 5) : Randn(4);
        Warm(norm, input);
        Check(norm, input);
    }

    [Fact]
    public void BatchNorm2D_InEval_MatchesOnnxRuntime()
    {
        var norm = new BatchNorm2D(3);
        Warm(norm, Randn(3, 4, 5));
        Check(norm, Randn(3, 4, 5));
    }

    // A few training steps move the running statistics and the affine parameters off their defaults.
    private static void Warm(BatchNorm norm, Func<int, Tensor> input)
    {
        norm.Train();
        using var noGrad = GradMode.NoGrad();
        for (int i = 0; i < 3; i++)
        {
            using var x = input(8) * 2f + 1f;
            using var y = norm.Forward(x);
        }
        if (norm.Weight is { } weight) weight.MulInPlace(1.5f);
        norm.Bias?.AddInPlace(Tensor.Full([norm.NumFeatures], 0.25f));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void LayerNorm_MatchesOnnxRuntime(bool twoDims, bool affine)
    {
        var norm = twoDims ? new LayerNorm([3, 5], 1e-5f, affine) : new LayerNorm(5, 1e-5f, affine);
        if (affine)
            using (GradMode.NoGrad()) norm.Weight!.CopyFrom(Tensor.Randn(norm.NormalizedShape.ToArray(), Init()));
        Check(norm, Randn(3, 5));
    }

    [Fact]
    public void Embedding_MatchesOnnxRuntime() => Check(new Embedding(11, 4, Init()), Ids(11, 6));

    public static TheoryData<string> Activations => ["relu", "gelu", "gelu_tanh", "tanh", "sigmoid", "leaky_relu", "softmax1", "softmax-1", "dropout"];

    [Theory]
    [MemberData(nameof(Activations))]
    public void ActivationLayers_MatchOnnxRuntime(string name)
    {
        Module layer = name switch
        {
            "relu" => new Relu(),
            "gelu" => new Gelu(),
            "gelu_tanh" => new Gelu(GeluApproximation.Tanh),
            "tanh" => new Tanh(),
            "sigmoid" => new Sigmoid(),
            "leaky_relu" => new LeakyRelu(0.2f),
            "softmax1" => new Softmax(1),
            "softmax-1" => new Softmax(-1),
            _ => new Dropout(0.5f),
        };
        Check(layer, n => Randn(3, 4)(n) * 4f);
    }

    [Theory]
    [InlineData(1, -1)]
    [InlineData(0, -1)]
    [InlineData(1, 2)]
    public void Flatten_MatchesOnnxRuntime(int start, int end) => Check(new Flatten(start, end), Randn(2, 3, 4));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MultiHeadAttention_MatchesOnnxRuntime(bool batchFirst)
    {
        var attention = new MultiHeadAttention(8, 2, batchFirst: batchFirst, generator: Init());
        using (GradMode.NoGrad()) attention.NamedParameters().First(p => p.Name == "in_proj_bias").Tensor.CopyFrom(Tensor.Randn([24], Init()));
        if (batchFirst) Check(attention, Randn(5, 8));
        else Check(attention, n => Tensor.Randn([5, n, 8], new Generator((ulong)n)), batchDim: 1);
    }

    [Theory]
    [InlineData(false, Activation.Relu)]
    [InlineData(true, Activation.Gelu)]
    public void TransformerEncoderLayer_MatchesOnnxRuntime(bool normFirst, Activation activation) =>
        Check(new TransformerEncoderLayer(8, 2, 16, activation: activation, batchFirst: true, normFirst: normFirst, generator: Init()), Randn(5, 8));

    [Fact]
    public void TransformerEncoder_WithFinalNorm_MatchesOnnxRuntime() =>
        Check(new TransformerEncoder(() => new TransformerEncoderLayer(8, 2, 16, batchFirst: true, normFirst: true, generator: Init()), 2,
            new LayerNorm(8)), Randn(4, 8));

    [Fact]
    public void TransformerEncoder_SequenceFirst_MatchesOnnxRuntime() =>
        Check(new TransformerEncoder(() => new TransformerEncoderLayer(8, 2, 16, generator: Init()), 2),
            n => Tensor.Randn([4, n, 8], new Generator((ulong)n)), batchDim: 1);

    public static TheoryData<string, int, bool, bool> Recurrent => new()
    {
        { "rnn", 1, true, false }, { "rnn_relu", 1, true, false }, { "lstm", 1, true, false }, { "gru", 1, true, false },
        { "lstm", 2, false, true }, { "gru", 2, true, true }, { "rnn", 2, false, false },
    };

    [Theory]
    [MemberData(nameof(Recurrent))]
    public void RecurrentLayers_MatchOnnxRuntime(string cell, int layers, bool batchFirst, bool bidirectional)
    {
        Module model = cell switch
        {
            "lstm" => new Lstm(3, 5, layers, batchFirst: batchFirst, bidirectional: bidirectional, generator: Init()),
            "gru" => new Gru(3, 5, layers, batchFirst: batchFirst, bidirectional: bidirectional, generator: Init()),
            "rnn_relu" => new Rnn(3, 5, layers, batchFirst: batchFirst, bidirectional: bidirectional, generator: Init(), nonlinearity: Activation.Relu),
            _ => new Rnn(3, 5, layers, batchFirst: batchFirst, bidirectional: bidirectional, generator: Init()),
        };
        if (batchFirst) Check(model, Randn(4, 3));
        else Check(model, n => Tensor.Randn([4, n, 3], new Generator((ulong)n)), batchDim: 1);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void RecurrentLayers_KeepTheSequenceLengthFree(string cell)
    {
        // Sequence-first with the time dim symbolic: ORT runs 1 and 3 steps of a model traced at 2 and 3.
        Module model = cell switch
        {
            "lstm" => new Lstm(3, 4, 2, bidirectional: true, generator: Init()),
            "gru" => new Gru(3, 4, 2, bidirectional: true, generator: Init()),
            _ => new Rnn(3, 4, bias: false, generator: Init()),
        };
        Check(model, t => Tensor.Randn([t, 2, 3], new Generator((ulong)(50 + t))));
    }

    [Fact]
    public void UnbatchedRecurrentInput_MatchesOnnxRuntime() =>
        Check(new Gru(3, 4, generator: Init()), t => Tensor.Randn([t, 3], new Generator((ulong)(60 + t))));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PositionalEncodings_MatchOnnxRuntime(bool learned)
    {
        Module encoding = learned
            ? new LearnedPositionalEncoding(10, 6, dropout: 0.1f, batchFirst: true, generator: Init())
            : new SinusoidalPositionalEncoding(6, 10, dropout: 0.1f, batchFirst: true);
        Check(encoding, Randn(7, 6));
    }

    [Fact]
    public void Sequential_OfMixedLayers_MatchesOnnxRuntime() => Check(new Sequential(
        new Conv2D(2, 4, 3, padding: 1, generator: Init()), new BatchNorm2D(4), new Relu(), new MaxPool2D(2),
        new Dropout(0.3f), new Flatten(), new Dense(4 * 3 * 4, 5, generator: Init()), new LayerNorm(5), new Gelu(),
        new Dense(5, 3, generator: Init()), new Softmax(-1)), Randn(2, 6, 8));
}
