using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Generator = DeepNet.Tensors.Generator;
using static TorchSharp.torch;
using DnTensor = DeepNet.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepNet.Compare;

/// <summary>
/// The TransformerText sample's model at its default (seed) size, as a new user trains it: ids
/// [8, 64] over a 10,000-word vocabulary → Embedding 10000×512 + sinusoidal positions (dropout 0.1)
/// → 6 post-norm Relu encoder layers (8 heads, ff 2048, padding keys masked) → mean over the
/// non-pad positions → Dense 512→2, cross entropy, AdamW lr 5e-4. 0.47 GB of weights, grads and
/// AdamW state, so it is the workload that shows whether memory follows the live set.
/// </summary>
public static class SeedTransformerWorkload
{
    private const int Vocab = 10_000, DModel = 512, Heads = 8, Layers = 6, FeedForward = 2048, Batch = 8, Length = 64, Classes = 2;
    private const double LearningRate = 5e-4;

    public static Workload Create() => new("transformer_seed_step", DeepNetSide, TorchSide, Training: true);

    private static Side DeepNetSide()
    {
        var g = new Generator(7);
        var model = new TextClassifier(g);
        var x = DnTensor.RandInt(1, Vocab, [Batch, Length], g);   // no pad ids: every key attended, as the torch side
        var y = DnTensor.RandInt(0, Classes, [Batch], g);
        var optimizer = new AdamW(model.Parameters(), LearningRate);
        return new Side(DeepNetStep.Training(model, new CrossEntropyLoss(), optimizer, x, y),
            () => { model.Dispose(); x.Dispose(); y.Dispose(); optimizer.Dispose(); });
    }

    private static Side TorchSide()
    {
        var embedding = nn.Embedding(Vocab, DModel);
        var layers = Enumerable.Range(0, Layers)
            .Select(_ => nn.TransformerEncoderLayer(DModel, Heads, FeedForward, 0.1, nn.Activations.ReLU)).ToArray();
        var classifier = nn.Linear(DModel, Classes);
        var dropout = nn.Dropout(0.1);
        var table = SinusoidalTable();
        var tx = randint(1, Vocab, [Batch, Length]);
        var ty = randint(0, Classes, [Batch]);
        var loss = nn.CrossEntropyLoss();
        var parameters = embedding.parameters().Concat(layers.SelectMany(l => l.parameters())).Concat(classifier.parameters());
        var optimizer = optim.AdamW(parameters, LearningRate);
        return new Side(() =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var padded = tx.eq(0);                                              // [N, L], all false here
            var h = dropout.call(embedding.call(tx) + table).transpose(0, 1);   // [L, N, d]: torch's layers are sequence-first
            foreach (var layer in layers) h = layer.call(h, null, padded);
            var keep = padded.logical_not().to(ScalarType.Float32).unsqueeze(2);
            var pooled = (h.transpose(0, 1) * keep).sum(1) / keep.sum(1).clamp_min(1f);
            loss.forward(classifier.call(pooled), ty).backward();
            optimizer.step();
        }, () =>
        {
            embedding.Dispose(); classifier.Dispose(); table.Dispose(); tx.Dispose(); ty.Dispose(); optimizer.Dispose();
            foreach (var layer in layers) layer.Dispose();
        });
    }

    // PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...): [L, d], as the DeepNet layer.
    private static TorchTensor SinusoidalTable()
    {
        var values = new float[Length * DModel];
        for (int pos = 0; pos < Length; pos++)
            for (int i = 0; i < DModel / 2; i++)
            {
                double angle = pos / Math.Pow(10_000, 2.0 * i / DModel);
                values[pos * DModel + 2 * i] = (float)Math.Sin(angle);
                values[pos * DModel + 2 * i + 1] = (float)Math.Cos(angle);
            }
        return tensor(values, [Length, DModel]);
    }

    /// <summary>samples/TransformerText's TextClassifier (the sample's type is internal to it).</summary>
    private sealed class TextClassifier : Module
    {
        private readonly SinusoidalPositionalEncoding _positions;
        private readonly TransformerEncoder _encoder;
        private readonly Embedding _embedding;
        private readonly Dense _classifier;

        public TextClassifier(Generator g)
        {
            _embedding = RegisterModule("embedding", new Embedding(Vocab, DModel, g));
            _positions = RegisterModule("positions", new SinusoidalPositionalEncoding(DModel, Length, dropout: 0.1f, batchFirst: true, g));
            _encoder = RegisterModule("encoder", new TransformerEncoder(
                () => new TransformerEncoderLayer(DModel, Heads, FeedForward, dropout: 0.1f, batchFirst: true, generator: g), Layers));
            _classifier = RegisterModule("classifier", new Dense(DModel, Classes, generator: g));
        }

        public override DnTensor Forward(DnTensor input)
        {
            var padded = input.Eq(0);
            var x = _positions.Forward(_embedding.Call(input));
            var h = _encoder.Forward(x, null, AttentionMask.Blocked(padded));
            var keep = padded.Neg().Add(1f).Unsqueeze(2);
            var pooled = h.Mul(keep).Sum(1).Div(keep.Sum(1).Clamp(1f, float.MaxValue));
            return _classifier.Call(pooled);
        }
    }
}
