// Spam or ham: a Transformer encoder reads the Subject and the first body words of each
// SpamAssassin mail (the header block is skipped, HTML tags stripped: see MailTokenizer),
// averages its outputs over the real (non-pad) tokens and a Dense layer scores the two classes.
// The vocabulary is the most frequent words of the training mails. A tenth of the training
// mails is held out for validation; the weights of the best validation epoch are kept and scored
// on the test mails. `--small` trains on a CPU in minutes.
//   dotnet run -c Release --project samples/TransformerText -- --small --out out/transformer-text
// fp32 vs int8 (Dense, Embedding and attention in-projections quantized) of a trained model, without training again:
//   dotnet run -c Release --project samples/TransformerText -- --small --epochs 0 --load out/transformer-text/model.safetensors --quantize --out /tmp/tt-int8
using System.CommandLine;
using DeepNet.Samples;
using System.Diagnostics;
using DeepNet.Data;
using DeepNet.Layers;
using DeepNet.Serialization;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using DeepNet.Layers.Losses;

var options = new StandardOptions(epochs: 3, batchSize: 32, learningRate: 5e-4, outDir: Path.Combine("out", "transformer-text"),
    epochsHelp: "Passes over the training mails",
    batchHelp: "Mails per step",
    learningRateHelp: "AdamW learning rate",
    seedHelp: "Seeds the split, the weights, dropout and shuffling");
var smallOption = new Option<bool>("--small") { Description = "d_model 128, 4 heads, 2 layers, ff 512, 128 tokens: trains on a CPU in minutes" };
var vocabOption = new Option<int>("--vocab") { Description = "Vocabulary size, pad and unknown included", DefaultValueFactory = _ => 10_000 };
var maxLengthOption = new Option<int?>("--max-length") { Description = "Tokens read per mail (default 256, 128 with --small)" };
var mailsOption = new Option<int?>("--mails") { Description = "Use only this many mails (after shuffling): a quick check of the pipeline" };
var loadOption = new Option<string?>("--load") { Description = "Start from these weights (model.safetensors of an earlier run)" };
var quantizeOption = new Option<bool>("--quantize") { Description = "After the test: quantize to int8 and compare size, accuracy and latency with fp32" };
var profileOption = new Option<bool>("--profile") { Description = "With --quantize: only a per-module time breakdown of one batch-64 forward, fp32 then int8" };

var command = options.AddTo(new RootCommand("Classify SpamAssassin mails as spam or ham with a Transformer encoder")
{
    smallOption, vocabOption, maxLengthOption, mailsOption, loadOption, quantizeOption, profileOption,
});
command.SetAction(parse =>
{
    bool small = parse.GetValue(smallOption);
    var size = small ? new ModelSize(128, 4, 2, 512) : new ModelSize(512, 8, 6, 2048);
    Train(size, parse.GetValue(vocabOption), parse.GetValue(maxLengthOption) ?? (small ? 128 : 256), parse.GetValue(options.Epochs),
        parse.GetValue(options.BatchSize), parse.GetValue(options.LearningRate), Device.Parse(parse.GetValue(options.Device)!), parse.GetValue(options.Data),
        parse.GetValue(options.Seed), parse.GetValue(options.Out)!, parse.GetValue(mailsOption), parse.GetValue(loadOption), parse.GetValue(quantizeOption),
        parse.GetValue(profileOption));
});
return command.Parse(args).Invoke();

static void Train(ModelSize size, int vocabSize, int maxLength, int epochs, int batchSize, double lr, Device device,
    string? dataDir, ulong seed, string outDir, int? mails, string? load, bool quantize, bool profile = false)
{
    Directory.CreateDirectory(outDir);
    var corpus = SpamAssassin.Load(dataDir);
    // The package lists ham first, then spam: shuffle, then cut 20% test, and 10% of the rest as validation.
    int[] order = Enumerable.Range(0, corpus.Count).ToArray();
    new Random((int)(seed % int.MaxValue)).Shuffle(order);
    if (mails is int limit) order = order[..Math.Clamp(limit, 10, order.Length)];
    int testStart = order.Length * 4 / 5, trainCount = testStart * 9 / 10;
    int[][] parts = [order[..trainCount], order[trainCount..testStart], order[testStart..]];
    var words = parts.Select(part => part.Select(i => MailTokenizer.Words(corpus.Texts[i])).ToArray()).ToArray();
    var vocabulary = Vocabulary(words[0], vocabSize);
    var sets = parts.Select((part, p) => Encode(words[p], part.Select(i => corpus.Labels[i]), vocabulary, maxLength)).ToArray();
    var (trainSet, validationSet, testSet) = (sets[0], sets[1], sets[2]);
    var train = new DataLoader(trainSet, batchSize, shuffle: true, seed: seed);
    var validation = new DataLoader(validationSet, batchSize: 64);
    var test = new DataLoader(testSet, batchSize: 64);
    long realTokens = trainSet.Ids!.LongCount(id => id != TextClassifier.PadId);
    Console.WriteLine($"mails: {trainCount} train, {validationSet.Count} validation, {testSet.Count} test; vocabulary {vocabulary.Count + 2}; " +
        $"{realTokens / (double)trainCount:F0} tokens per training mail on average (max {maxLength})");

    using var model = new TextClassifier(vocabulary.Count + 2, size, maxLength, classes: 2, new Generator(seed));
    if (load is not null) model.Load(load);
    model.To(device);
    Console.WriteLine($"device: {device}");
    Console.WriteLine(model);

    using var optimizer = new AdamW(model.Parameters(), lr);
    var loss = new CrossEntropyLoss();
    var trainer = new Trainer();
    var clock = Stopwatch.StartNew();
    // Never stops early (patience = epochs): it only restores the best validation epoch's weights.
    var best = new EarlyStopping("val_accuracy", patience: Math.Max(epochs, 1), restoreBestWeights: true);
    var history = trainer.Fit(model, loss, optimizer, train, epochs, validation, best);
    double trainSeconds = clock.Elapsed.TotalSeconds;
    // Throughput of training alone: each epoch's wall time includes its validation pass.
    double trainOnlySeconds = trainSeconds - history.Epochs.Count * TimeEval(trainer, model, loss, validation);
    var result = trainer.Evaluate(model, loss, test);

    model.Save(Path.Combine(outDir, "model.safetensors"));
    File.WriteAllLines(Path.Combine(outDir, "vocab.txt"), ["<pad>", "<unk>", .. vocabulary.OrderBy(kv => kv.Value).Select(kv => kv.Key)]);
    history.WriteCsv(Path.Combine(outDir, "history.csv"));
    history.SavePlot(Path.Combine(outDir, "history.svg"), "Transformer spam classifier");

    int epochsRun = history.Epochs.Count;
    Console.WriteLine($"test_accuracy: {result.Accuracy:F4}");
    Console.WriteLine($"test_loss: {result.Loss:F4}");
    Console.WriteLine($"best_epoch: {best.BestEpoch}");
    Console.WriteLine($"tokens_per_s: {(epochsRun == 0 ? 0 : realTokens * epochsRun / trainOnlySeconds):F0}");
    Console.WriteLine($"padded_positions_per_s: {(epochsRun == 0 ? 0 : (double)trainSet.Count * maxLength * epochsRun / trainOnlySeconds):F0}");
    Console.WriteLine($"train_time_s: {trainSeconds:F1}");
    Console.WriteLine($"time_per_epoch_s: {StandardOptions.PerEpoch(trainSeconds, epochsRun, "F1")}");
    Console.WriteLine($"epochs: {history.Epochs.Count}");
    Console.WriteLine($"params: {model.ParameterCount}");
    Console.WriteLine($"out: {Path.GetFullPath(outDir)}");
    if (!quantize) return;
    // Calibration: 8 training batches; the embedding table (most of the weights) and the attention in-projections are int8 too.
    Tensor Mails(Dataset set, int start, int n) => Tensor.FromArray(set.Ids![(start * maxLength)..((start + n) * maxLength)], [n, maxLength], device);
    var calibration = Enumerable.Range(0, Math.Min(8, trainSet.Count / batchSize)).Select(i => Mails(trainSet, i * batchSize, batchSize)).ToList();
    if (profile)
    {
        using var many = Mails(testSet, 0, 64);
        Int8Profile.Print("fp32", model, many, pieces: model.Pieces(many));
        DeepNet.Layers.Quantized.Quantization.Quantize(model, calibration,
            new DeepNet.Layers.Quantized.QuantizationOptions { Embeddings = true, AttentionProjections = true });
        Int8Profile.Print("int8", model, many, pieces: model.Pieces(many));
        return;
    }
    Int8Comparison.Run("TransformerText --small", model, calibration, test, n => Mails(testSet, 0, n), Path.Combine(outDir, "int8"),
        new DeepNet.Layers.Quantized.QuantizationOptions { Embeddings = true, AttentionProjections = true });
}

// The most frequent training words get ids 2.. (0 is padding, 1 an unknown word); ties by word.
static Dictionary<string, int> Vocabulary(string[][] mails, int size) =>
    mails.SelectMany(words => words).CountBy(w => w)
        .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
        .Take(size - 2).Select((kv, i) => (kv.Key, Id: i + 2))
        .ToDictionary(p => p.Key, p => p.Id);

// [N, maxLength] Int64 ids (first maxLength words, padded with PadId) and Int64 class-index targets [N].
static Dataset Encode(string[][] mails, IEnumerable<int> labels, Dictionary<string, int> vocabulary, int maxLength)
{
    var ids = new long[mails.Length * maxLength];
    // A mail without words still gets one (unknown) token: a row of only padding has no key to attend to.
    for (int i = 0; i < mails.Length; i++) ids[i * maxLength] = TextClassifier.UnknownId;
    for (int i = 0; i < mails.Length; i++)
        for (int t = 0; t < Math.Min(maxLength, mails[i].Length); t++)
            ids[i * maxLength + t] = vocabulary.GetValueOrDefault(mails[i][t], TextClassifier.UnknownId);
    return new Dataset(ids, [maxLength], labels.Select(l => (long)l).ToArray());
}

static double TimeEval(Trainer trainer, Module model, Loss loss, DataLoader data)
{
    var clock = Stopwatch.StartNew();
    trainer.Evaluate(model, loss, data);
    return clock.Elapsed.TotalSeconds;
}

internal sealed record ModelSize(int DModel, int Heads, int Layers, int FeedForward);

/// <summary>
/// ids [N, L] → embedding + sinusoidal positions → Transformer encoder (padding keys masked)
/// → mean over the non-pad positions → Dense → class logits [N, classes].
/// </summary>
internal sealed class TextClassifier : Module
{
    public const int PadId = 0, UnknownId = 1;
    private readonly SinusoidalPositionalEncoding _positions;
    private readonly TransformerEncoder _encoder;

    public TextClassifier(int vocabSize, ModelSize size, int maxLength, int classes, Generator generator)
    {
        RegisterModule("embedding", new Embedding(vocabSize, size.DModel, generator));
        _positions = RegisterModule("positions", new SinusoidalPositionalEncoding(size.DModel, maxLength, dropout: 0.1f, batchFirst: true, generator));
        _encoder = RegisterModule("encoder", new TransformerEncoder(
            () => new TransformerEncoderLayer(size.DModel, size.Heads, size.FeedForward, dropout: 0.1f, batchFirst: true, generator: generator),
            size.Layers));
        RegisterModule("classifier", new Dense(size.DModel, classes, generator: generator));
    }

    public override Tensor Forward(Tensor input)
    {
        var padded = input.Eq(PadId);                                      // [N, L] Bool, True = ignore this key
        // No √d scaling: Embedding starts at N(0, 1), already the scale of the ±1 sinusoids.
        var x = _positions.Forward(Child("embedding").Call(input));       // [N, L, d]; Child: Quantize may swap layers
        var h = _encoder.Forward(x, null, AttentionMask.Blocked(padded));                          // [N, L, d]
        var keep = input.Ne(PadId).To(DType.Float32).Unsqueeze(2);        // [N, L, 1], 1 = real token
        var pooled = h.Mul(keep).Sum(1).Div(keep.Sum(1).Clamp(1f, float.MaxValue));  // [N, d]
        return Child("classifier").Call(pooled);   // Child: Quantize may swap the Dense
    }

    /// <summary>Parts of the forward on this batch, for --profile: the input side, each block's attention, the pooling.</summary>
    public List<(string, Func<Tensor>)> Pieces(Tensor input)
    {
        var padded = input.Eq(PadId);
        var x = _positions.Forward(Child("embedding").Call(input));
        var pieces = new List<(string, Func<Tensor>)>
        {
            ("padding mask (Eq)", () => input.Eq(PadId)),
            ("embedding + positions", () => _positions.Forward(Child("embedding").Call(input))),
            ("pooling (mask, sum, divide)", () => DisposeScope.Run(() =>
            {
                var keep = input.Ne(PadId).To(DType.Float32).Unsqueeze(2);
                return x.Mul(keep).Sum(1).Div(keep.Sum(1).Clamp(1f, float.MaxValue));
            })),
        };
        for (int i = 0; i < _encoder.NumLayers; i++)
        {
            var attention = _encoder[i].SelfAttention;
            pieces.Add(($"layer {i} self-attention (in-projection, attention, out_proj)", () => attention.Forward(x, x, x, AttentionMask.Blocked(padded))));
        }
        return pieces;
    }
}
