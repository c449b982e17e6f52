using DeepNet.Layers.Losses;
using DeepNet.Layers.Text;
using DeepNet.Optimizers;
using static TorchSharp.torch;
using DnTensor = DeepNet.Tensors.Tensor;
using Generator = DeepNet.Tensors.Generator;

namespace DeepNet.Compare;

/// <summary>
/// BERT-base-shaped encoder at MiniLM size: 30,522-word vocabulary, 512 positions, 2 token types,
/// hidden 384, 6 post-norm GELU layers, 12 heads, ff 1536, dropout 0.1, pooler (tanh on the first
/// token) and a 2-label classifier; ids [16, 128] (no padding, no mask), cross entropy, AdamW lr 1e-4.
/// DeepNet runs its BertForSequenceClassification; torch the same model from its building blocks
/// (layer norm eps 1e-12 in the embeddings, torch's 1e-5 inside its encoder layers).
/// </summary>
public static class BertWorkload
{
    private static readonly BertConfig Config = new()
    {
        HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536,
    };
    private const int Batch = 16, Length = 128, Labels = 2;
    private const double LearningRate = 1e-4;

    public static Workload Create() => new("bert_minilm_step", DeepNetSide, TorchSide, Training: true);

    private static Side DeepNetSide()
    {
        var g = new Generator(7);
        var model = new BertForSequenceClassification(Config, Labels, g);
        var x = DnTensor.RandInt(1, Config.VocabSize, [Batch, Length], g);
        var y = DnTensor.RandInt(0, Labels, [Batch], g);
        var loss = new CrossEntropyLoss();
        var optimizer = new AdamW(model.Parameters(), LearningRate);
        return new Side(() =>
        {
            using var scope = new DeepNet.Tensors.DisposeScope();
            optimizer.ZeroGrad();
            loss.Forward(model.Forward(x, attentionMask: null, tokenTypeIds: null), y).Backward();
            optimizer.Step();
        }, () => { model.Dispose(); x.Dispose(); y.Dispose(); optimizer.Dispose(); });
    }

    private static Side TorchSide()
    {
        int d = Config.HiddenSize;
        var words = nn.Embedding(Config.VocabSize, d);
        var positions = nn.Embedding(Config.MaxPositionEmbeddings, d);
        var types = nn.Embedding(Config.TypeVocabSize, d);
        var norm = nn.LayerNorm(d, Config.LayerNormEps);
        var dropout = nn.Dropout(Config.HiddenDropoutProb);
        var layers = Enumerable.Range(0, Config.NumHiddenLayers)
            .Select(_ => nn.TransformerEncoderLayer(d, Config.NumAttentionHeads, Config.IntermediateSize, Config.HiddenDropoutProb, nn.Activations.GELU))
            .ToArray();
        var pooler = nn.Linear(d, d);
        var classifier = nn.Linear(d, Labels);
        var tx = randint(1, Config.VocabSize, [Batch, Length]);
        var ty = randint(0, Labels, [Batch]);
        var positionIds = arange(Length).unsqueeze(0);
        var typeIds = zeros([Batch, Length], ScalarType.Int64);
        var loss = nn.CrossEntropyLoss();
        var parameters = new nn.Module[] { words, positions, types, norm, pooler, classifier }.Concat(layers).SelectMany(m => m.parameters());
        var optimizer = optim.AdamW(parameters, LearningRate);
        return new Side(() =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var h = dropout.call(norm.call(words.call(tx) + positions.call(positionIds) + types.call(typeIds))).transpose(0, 1);   // [S, N, d]
            foreach (var layer in layers) h = layer.call(h, null, null);
            var first = h[0];                                                    // [N, d]: the [CLS] position
            var logits = classifier.call(dropout.call(pooler.call(first).tanh()));
            loss.forward(logits, ty).backward();
            optimizer.step();
        }, () =>
        {
            foreach (var m in new nn.Module[] { words, positions, types, norm, pooler, classifier }.Concat(layers)) m.Dispose();
            tx.Dispose(); ty.Dispose(); positionIds.Dispose(); typeIds.Dispose(); optimizer.Dispose();
        });
    }
}
