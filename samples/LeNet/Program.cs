// LeNet-5 as in the PyTorch tutorial: conv 6 5x5 → pool → conv 16 5x5 → pool → 120 → 84 → 10,
// Relu, SGD with momentum, on MNIST padded to 32x32 (the size LeNet was designed for).
// `--channels 3` builds the 3-channel (CIFAR-sized) variant and trains it briefly on random
// images, which checks the shapes end to end without downloading anything.
//   dotnet run -c Release --project samples/LeNet -- --epochs 4 --out out/lenet
//   dotnet run -c Release --project samples/LeNet -- --channels 3
using System.CommandLine;
using DeepNet.Samples;
using System.Diagnostics;
using System.Globalization;
using DeepNet.Data;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;

var options = new StandardOptions(epochs: 4, batchSize: 16, learningRate: 0.001, outDir: Path.Combine("out", "lenet"),
    epochsHelp: "Passes over the training images",
    batchHelp: "Images per step",
    learningRateHelp: "SGD learning rate",
    seedHelp: "Seeds weights and shuffling");
var momentumOption = new Option<double>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0.9 };
var channelsOption = new Option<int>("--channels") { Description = "1: MNIST; 3: the 3-channel variant on random images (shape check)", DefaultValueFactory = _ => 1 };
channelsOption.AcceptOnlyFromAmong("1", "3");

var command = options.AddTo(new RootCommand("Train LeNet-5 on MNIST padded to 32x32 with DeepNet")
{
    momentumOption, channelsOption,
});
command.SetAction(parse => Train(parse.GetValue(options.Epochs), parse.GetValue(options.BatchSize), parse.GetValue(options.LearningRate),
    parse.GetValue(momentumOption), Device.Parse(parse.GetValue(options.Device)!), parse.GetValue(options.Data),
    parse.GetValue(options.Seed), parse.GetValue(options.Out)!, parse.GetValue(channelsOption)));
return command.Parse(args).Invoke();

static void Train(int epochs, int batchSize, double lr, double momentum, Device device, string? dataDir, ulong seed, string outDir, int channels)
{
    var (trainSet, testSet) = channels == 1 ? PaddedMnist(dataDir) : RandomImages(channels, seed);
    var train = new DataLoader(trainSet, batchSize, shuffle: true, seed: seed);
    var test = new DataLoader(testSet, batchSize: 500);

    var init = new Generator(seed);
    using var model = new Sequential(
        new Conv2D(channels, 6, kernelSize: 5, generator: init), new Relu(), new MaxPool2D(2),  // 32 → 28 → 14
        new Conv2D(6, 16, kernelSize: 5, generator: init), new Relu(), new MaxPool2D(2),        // 14 → 10 → 5
        new Flatten(),
        new Dense(16 * 5 * 5, 120, generator: init), new Relu(),
        new Dense(120, 84, generator: init), new Relu(),
        new Dense(84, 10, generator: init));
    model.To(device);
    Console.WriteLine($"device: {device}");
    Console.WriteLine(model);

    using var optimizer = new Sgd(model.Parameters(), lr, momentum);
    var loss = new CrossEntropyLoss();
    var trainer = new Trainer();
    var clock = Stopwatch.StartNew();
    var history = trainer.Fit(model, loss, optimizer, train, channels == 1 ? epochs : 1, validation: test);
    double trainSeconds = clock.Elapsed.TotalSeconds;
    var result = trainer.Evaluate(model, loss, test);

    Directory.CreateDirectory(outDir);
    model.Save(Path.Combine(outDir, "model.safetensors"));
    ModelArchitecture.Describe(model, [channels, 32, 32], ModelTask.Classification,
        classNames: Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
        weightsFile: "model.safetensors", name: channels == 1 ? "lenet-mnist" : "lenet-3ch").Save(Path.Combine(outDir, "model.json"));
    history.WriteCsv(Path.Combine(outDir, "history.csv"));
    history.SavePlot(Path.Combine(outDir, "history.svg"), channels == 1 ? "LeNet-5 on MNIST 32x32" : "LeNet-5, 3 channels, random data");

    using (var probe = Tensor.Zeros([2, channels, 32, 32], device))
    using (var logits = model.Forward(probe))
        Console.WriteLine($"output_shape: [{string.Join(", ", logits.Shape.ToArray())}]");
    Console.WriteLine($"test_accuracy: {result.Accuracy:F4}");
    Console.WriteLine($"test_loss: {result.Loss:F4}");
    Console.WriteLine($"train_time_s: {trainSeconds:F1}");
    Console.WriteLine($"time_per_epoch_s: {StandardOptions.PerEpoch(trainSeconds, history.Epochs.Count, "F1")}");
    Console.WriteLine($"epochs: {history.Epochs.Count}");
    Console.WriteLine($"params: {model.ParameterCount}");
    Console.WriteLine($"out: {Path.GetFullPath(outDir)}");
}

// LeNet-5 expects 32x32 inputs: MNIST's 28x28 digits get a 2-pixel black border.
static (Dataset Train, Dataset Test) PaddedMnist(string? dataDir)
{
    var mnist = Mnist.Load(dataDir);
    return (Dataset.FromImages(Pad(mnist.Train, 2)), Dataset.FromImages(Pad(mnist.Test, 2)));
}

static LabeledImages Pad(LabeledImages images, int border)
{
    int h = images.Height + 2 * border, w = images.Width + 2 * border;
    var padded = new float[images.Count * images.Channels * h * w];
    for (int plane = 0; plane < images.Count * images.Channels; plane++)
        for (int y = 0; y < images.Height; y++)
            images.Images.AsSpan((plane * images.Height + y) * images.Width, images.Width)
                .CopyTo(padded.AsSpan((plane * h + y + border) * w + border));
    return images with { Images = padded, Height = h, Width = w };
}

// Uniform noise with random labels: accuracy means nothing here, the run checks that every
// layer accepts 3-channel 32x32 input and that training, saving and the plot work.
static (Dataset Train, Dataset Test) RandomImages(int channels, ulong seed)
{
    var gen = new Generator(seed);
    Dataset Make(int count)
    {
        using var images = Tensor.Rand([count, channels, 32, 32], gen);
        using var labels = Tensor.RandInt(0, 10, [count], gen);
        return new Dataset(images.ToArray(), [channels, 32, 32], labels.ToArray());
    }
    return (Make(512), Make(128));
}
