using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>
/// The models of the samples (MnistCnn, Mlp, LeNet, LinearRegression, RnnTimeSeries, TransformerText),
/// built here as each sample's Program.cs builds them (small sizes where the sample has a size option),
/// exported and run by ONNX Runtime at two batch sizes.
/// </summary>
public sealed class OnnxExportSampleModelTests
{
    private static Func<int, Tensor> Randn(params int[] rest) =>
        n => Tensor.Randn([n, .. rest], new Generator((ulong)(3000 + n)));

    private static void Check(Module model, Func<int, Tensor> input)
    {
        using (model) OnnxExportCheck.AgreesWithOnnxRuntime(model, input);
    }

    [Fact]
    public void MnistCnn_MatchesOnnxRuntime()
    {
        var init = new Generator(1);
        Check(new Sequential(
            new Conv2D(1, 32, kernelSize: 3, generator: init), new Relu(), new MaxPool2D(2),
            new Conv2D(32, 64, kernelSize: 3, generator: init), new Relu(), new MaxPool2D(2),
            new Conv2D(64, 64, kernelSize: 3, generator: init), new Relu(),
            new Flatten(),
            new Dense(64 * 3 * 3, 64, generator: init), new Relu(),
            new Dense(64, 10, generator: init)), Randn(1, 28, 28));
    }

    [Fact]
    public void Mlp_MatchesOnnxRuntime()
    {
        var init = new Generator(2);
        const int features = 100, classes = 10;
        Check(new Sequential(
            new Dense(features, 64, generator: init), new Relu(),
            new Dense(64, 64, generator: init), new Relu(),
            new Dense(64, classes, generator: init)), Randn(features));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void LeNet_MatchesOnnxRuntime(int channels)
    {
        var init = new Generator(3);
        Check(new Sequential(
            new Conv2D(channels, 6, kernelSize: 5, generator: init), new Relu(), new MaxPool2D(2),
            new Conv2D(6, 16, kernelSize: 5, generator: init), new Relu(), new MaxPool2D(2),
            new Flatten(),
            new Dense(16 * 5 * 5, 120, generator: init), new Relu(),
            new Dense(120, 84, generator: init), new Relu(),
            new Dense(84, 10, generator: init)), Randn(channels, 32, 32));
    }

    [Fact]
    public void LinearRegression_MatchesOnnxRuntime() =>
        Check(new Sequential(new Dense(13, 1, generator: new Generator(4))), Randn(13));

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void RnnTimeSeriesForecaster_MatchesOnnxRuntime(string cell) =>
        Check(new Forecaster(cell, 8, new Generator(5)), Randn(12, 1));

    [Theory]
    [InlineData(DType.Int64)]     // the sample's ids, as torch exports them: an int64 graph input
    [InlineData(DType.Float32)]   // float ids (exact integers) still export
    public void TransformerTextClassifier_MatchesOnnxRuntime(DType idType)
    {
        const int vocab = 40, length = 10;
        // Ids in [1, vocab) with a padded tail (PadId 0) of a different length per row; every row keeps a real token.
        Tensor Mails(int n)
        {
            var ids = Tensor.RandInt(2, vocab, [n, length], new Generator((ulong)(4000 + n))).ToArray();
            for (int row = 0; row < n; row++)
                for (int t = length - row % 4 * 2; t < length; t++) ids[row * length + t] = TextClassifier.PadId;
            return idType == DType.Int64 ? Tensor.FromArray(ids.Select(v => (long)v).ToArray(), [n, length]) : Tensor.FromArray(ids, [n, length]);
        }
        Check(new TextClassifier(vocab, new ModelSize(16, 2, 2, 32), length, classes: 2, new Generator(6)), Mails);
    }

    /// <summary>samples/RnnTimeSeries: a recurrent cell over [N, T, 1], then Linear(hidden → 1) on the last step.</summary>
    private sealed class Forecaster : Module
    {
        private readonly RecurrentLayer _recurrent;
        private readonly Dense _head;

        public Forecaster(string cell, int hidden, Generator generator)
        {
            _recurrent = RegisterModule("rnn", cell switch
            {
                "lstm" => (RecurrentLayer)new Lstm(1, hidden, batchFirst: true, generator: generator),
                "gru" => new Gru(1, hidden, batchFirst: true, generator: generator),
                _ => new Rnn(1, hidden, batchFirst: true, generator: generator),
            });
            _head = RegisterModule("linear", new Dense(hidden, 1, generator: generator));
        }

        public override Tensor Forward(Tensor input)
        {
            var sequence = _recurrent.Forward(input);  // [N, T, H]
            return _head.Forward(sequence.Select(1, sequence.Shape[1] - 1));
        }
    }

    private sealed record ModelSize(int DModel, int Heads, int Layers, int FeedForward);

    /// <summary>samples/TransformerText: embedding + sinusoidal positions → encoder (pad keys masked) → masked mean → Dense.</summary>
    private sealed class TextClassifier : Module
    {
        public const int PadId = 0;
        private readonly Embedding _embedding;
        private readonly SinusoidalPositionalEncoding _positions;
        private readonly TransformerEncoder _encoder;
        private readonly Dense _head;

        public TextClassifier(int vocabSize, ModelSize size, int maxLength, int classes, Generator generator)
        {
            _embedding = RegisterModule("embedding", new Embedding(vocabSize, size.DModel, generator));
            _positions = RegisterModule("positions", new SinusoidalPositionalEncoding(size.DModel, maxLength, dropout: 0.1f, batchFirst: true, generator));
            _encoder = RegisterModule("encoder", new TransformerEncoder(
                () => new TransformerEncoderLayer(size.DModel, size.Heads, size.FeedForward, dropout: 0.1f, batchFirst: true, generator: generator),
                size.Layers));
            _head = RegisterModule("classifier", new Dense(size.DModel, classes, generator: generator));
        }

        public override Tensor Forward(Tensor input)
        {
            var padded = input.Eq(PadId);
            var x = _positions.Forward(_embedding.Forward(input));
            var h = _encoder.Forward(x, null, AttentionMask.Blocked(padded));
            var keep = input.Ne(PadId).To(DType.Float32).Unsqueeze(2);
            var pooled = h.Mul(keep).Sum(1).Div(keep.Sum(1).Clamp(1f, float.MaxValue));
            return _head.Forward(pooled);
        }
    }
}
