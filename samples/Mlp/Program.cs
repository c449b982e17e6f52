// A multilayer perceptron on a synthetic 10-class problem with real structure: Gaussian inputs
// with 100 features are labelled by a fixed random teacher network (the arg-max of its 10
// outputs), and a Dense 64 → Dense 64 → Dense 10 student learns to imitate it with Adam.
//   dotnet run -c Release --project samples/Mlp -- --epochs 20 --out out/mlp
using System.CommandLine;
using DeepNet.Samples;
using System.Diagnostics;
using System.Globalization;
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Optimizers.Schedules;
using DeepNet.Tensors;
using DeepNet.Training;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;

var options = new StandardOptions(epochs: 20, batchSize: 64, learningRate: 0.001, outDir: Path.Combine("out", "mlp"),
    epochsHelp: "Passes over the training set",
    batchHelp: "Samples per step",
    learningRateHelp: "Adam learning rate",
    seedHelp: "Seeds the teacher, the data, the weights and shuffling",
    dataHelp: "Unused: the data is generated (kept for a uniform command line)");
var trainOption = new Option<int>("--train-samples") { Description = "Generated training samples", DefaultValueFactory = _ => 50_000 };
var testOption = new Option<int>("--test-samples") { Description = "Generated test samples", DefaultValueFactory = _ => 10_000 };

var command = options.AddTo(new RootCommand("Train a 3-layer MLP to imitate a random teacher network")
{
    trainOption, testOption,
});
command.SetAction(parse => Train(parse.GetValue(options.Epochs), parse.GetValue(options.BatchSize), parse.GetValue(options.LearningRate),
    Device.Parse(parse.GetValue(options.Device)!), parse.GetValue(options.Seed), parse.GetValue(options.Out)!,
    parse.GetValue(trainOption), parse.GetValue(testOption)));
return command.Parse(args).Invoke();

static void Train(int epochs, int batchSize, double lr, Device device, ulong seed, string outDir, int trainCount, int testCount)
{
    const int features = 100, classes = 10;
    var dataGen = new Generator(seed);
    var (trainSet, testSet) = TeacherData(features, classes, trainCount, testCount, dataGen);
    Console.WriteLine($"class counts (train): {string.Join(" ", ClassCounts(trainSet, classes))}");
    var train = new DataLoader(trainSet, batchSize, shuffle: true, seed: seed);
    var test = new DataLoader(testSet, batchSize: 1000);

    // The last layer emits logits: CrossEntropyLoss applies the softmax (stable log-sum-exp);
    // the saved model gets an explicit Softmax layer so it outputs probabilities.
    var init = new Generator(seed + 1);
    using var model = new Sequential(
        new Dense(features, 64, generator: init), new Relu(),
        new Dense(64, 64, generator: init), new Relu(),
        new Dense(64, classes, generator: init));
    model.To(device);
    Console.WriteLine($"device: {device}");
    Console.WriteLine(model);

    using var optimizer = new Adam(model.Parameters(), lr);
    var loss = new CrossEntropyLoss();
    var trainer = new Trainer();
    var clock = Stopwatch.StartNew();
    var schedule = new CosineAnnealingLR(optimizer, tMax: Math.Max(epochs, 1));
    var history = trainer.Fit(model, loss, optimizer, train, epochs, validation: test, new LearningRateScheduler(schedule));
    double trainSeconds = clock.Elapsed.TotalSeconds;
    var trainResult = trainer.Evaluate(model, loss, new DataLoader(trainSet, batchSize: 1000));
    var testResult = trainer.Evaluate(model, loss, test);

    model.Add(new Softmax(dim: 1));
    Directory.CreateDirectory(outDir);
    model.Save(Path.Combine(outDir, "model.safetensors"));
    ModelArchitecture.Describe(model, [features], ModelTask.Classification,
        classNames: Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
        weightsFile: "model.safetensors", name: "mlp").Save(Path.Combine(outDir, "model.json"));
    history.WriteCsv(Path.Combine(outDir, "history.csv"));
    history.SavePlot(Path.Combine(outDir, "history.svg"), "MLP imitating a random teacher");

    Console.WriteLine($"train_accuracy: {trainResult.Accuracy:F4}");
    Console.WriteLine($"test_accuracy: {testResult.Accuracy:F4}");
    Console.WriteLine($"test_loss: {testResult.Loss:F4}");
    Console.WriteLine($"chance_accuracy: {ClassCounts(testSet, classes).Max() / (double)testSet.Count:F4}");
    Console.WriteLine($"train_time_s: {trainSeconds:F1}");
    Console.WriteLine($"time_per_epoch_s: {StandardOptions.PerEpoch(trainSeconds, history.Epochs.Count, "F2")}");
    Console.WriteLine($"epochs: {history.Epochs.Count}");
    Console.WriteLine($"params: {model.ParameterCount}");
    Console.WriteLine($"out: {Path.GetFullPath(outDir)}");
}

// Like real data, the inputs are correlated: x = z·A + 0.1·noise, Gaussian with most of its
// variance in a 16-dimensional subspace (z ~ N(0, I₁₆), A a fixed random [16, 100] mixing), and
// y = arg-max of a fixed random tanh network 100 → 32 → 10. As in teacher–student benchmarks,
// samples whose top two teacher logits are nearly tied are dropped (a margin of a quarter of the
// logits' spread), so the labels are a smooth non-linear function of x that a small MLP can learn.
static (Dataset Train, Dataset Test) TeacherData(int features, int classes, int trainCount, int testCount, Generator gen)
{
    const int latent = 16;
    using var teacher = new Sequential(
        new Dense(features, 32, bias: false, generator: gen), new Tanh(),
        new Dense(32, classes, bias: false, generator: gen));
    using var scope = new DisposeScope();
    using var noGrad = GradMode.NoGrad();
    var mixing = Tensor.Randn([latent, features], gen, std: 1f / MathF.Sqrt(latent));
    Dataset Make(int count)
    {
        var x = new List<float>(count * features);
        var labels = new List<float>(count);
        while (labels.Count < count)
        {
            var batch = Tensor.Randn([count, latent], gen).MatMul(mixing).Add(Tensor.Randn([count, features], gen, std: 0.1f));
            var logits = teacher.Forward(batch);
            float margin = 0.25f * MathF.Sqrt(logits.Var().Item());
            float[] xs = batch.ToArray(), ls = logits.ToArray();
            for (int i = 0; i < count && labels.Count < count; i++)
            {
                var row = ls.AsSpan(i * classes, classes);
                int best = 0;
                for (int j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
                float second = float.NegativeInfinity;
                for (int j = 0; j < classes; j++) if (j != best) second = MathF.Max(second, row[j]);
                if (row[best] - second < margin) continue;
                x.AddRange(xs.AsSpan(i * features, features));
                labels.Add(best);
            }
        }
        return new Dataset(x.ToArray(), [features], labels.ToArray());
    }
    return (Make(trainCount), Make(testCount));
}

static int[] ClassCounts(Dataset data, int classes)
{
    var counts = new int[classes];
    foreach (float label in data.Targets) counts[(int)label]++;
    return counts;
}
