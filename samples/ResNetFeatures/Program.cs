// Transfer learning as users do it: a pretrained ResNet-18 (Microsoft.ML.DnnImageFeaturizer.ResNet18's
// ResNet18.onnx, imported by ResNetOnnxImporter) frozen as a feature extractor, and a linear head
// trained on its 512 pooled features of MNIST digits resized to 224×224×3. The same head (one Dense
// layer, same optimizer and epochs) trained on the raw 28×28 pixels is the baseline. Then it
// classifies a PNG/JPEG file (decoded by SkiaSharp): --image, or a test digit it writes as PNG.
//   dotnet run -c Release --project samples/ResNetFeatures -- --train 500 --test 200
using System.CommandLine;
using System.Diagnostics;
using DeepNet.Autograd;
using DeepNet.Data;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Layers.Vision;
using DeepNet.Optimizers;
using DeepNet.Samples;
using DeepNet.Serialization;
using DeepNet.Serialization.Onnx;
using DeepNet.Tensors;
using DeepNet.Training;

var options = new StandardOptions(epochs: 40, batchSize: 32, learningRate: 1e-3, outDir: Path.Combine("out", "resnet-features"),
    epochsHelp: "Passes of the linear heads over the training digits", batchHelp: "Digits per head step", learningRateHelp: "Adam learning rate of the heads",
    seedHelp: "Picks the digits and seeds the heads");
var trainOption = new Option<int>("--train") { Description = "Training digits (a random subset of MNIST's training set)", DefaultValueFactory = _ => 500 };
var testOption = new Option<int>("--test") { Description = "Test digits (a random subset of MNIST's test set)", DefaultValueFactory = _ => 200 };
var imageOption = new Option<string?>("--image") { Description = "A PNG/JPEG to classify with the trained head (default: a test digit written as PNG)" };
var command = options.AddTo(new RootCommand("Frozen ResNet-18 features + a linear head on MNIST digits") { trainOption, testOption, imageOption });
command.SetAction(parse => Run(parse.GetValue(trainOption), parse.GetValue(testOption), parse.GetValue(imageOption), parse.GetValue(options.Epochs),
    parse.GetValue(options.BatchSize), parse.GetValue(options.LearningRate), Device.Parse(parse.GetValue(options.Device)!), parse.GetValue(options.Data),
    parse.GetValue(options.Seed), parse.GetValue(options.Out)!));
return command.Parse(args).Invoke();

static void Run(int trainCount, int testCount, string? imagePath, int epochs, int batchSize, double lr, Device device, string? dataDir, ulong seed, string outDir)
{
    Directory.CreateDirectory(outDir);
    var mnist = Mnist.Load(dataDir);
    var random = new Random((int)(seed % int.MaxValue));
    int[] trainPick = Pick(random, mnist.Train.Count, trainCount), testPick = Pick(random, mnist.Test.Count, testCount);

    using var resnet = ResNetOnnxImporter.Import(ImageInput.PackageFile("ResNet18Onnx", "ResNet18.onnx"));
    resnet.Freeze();
    resnet.To(device);
    var input = ImageInput.Load();
    Console.WriteLine($"ResNet: blocks [{string.Join(", ", resnet.Layers)}], {resnet.ParameterCount:N0} frozen parameters; device {device}");
    var clock = Stopwatch.StartNew();
    float[] trainFeatures = Features(resnet, input, mnist.Train, trainPick, device), testFeatures = Features(resnet, input, mnist.Test, testPick, device);
    double featureSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"features: {trainCount + testCount} digits in {featureSeconds:F1} s ({(trainCount + testCount) / featureSeconds:F2} images/s)");

    float[] Labels(LabeledImages split, int[] pick) => pick.Select(i => (float)split.Labels[i]).ToArray();
    var (trainLabels, testLabels) = (Labels(mnist.Train, trainPick), Labels(mnist.Test, testPick));
    float[] Pixels(LabeledImages split, int[] pick) => pick.SelectMany(i => split.Images.AsSpan(i * 784, 784).ToArray()).ToArray();

    using var head = new Dense(resnet.FeatureSize, Mnist.ClassCount, generator: new Generator(seed));
    double featureAccuracy = TrainHead(head, new Dataset(trainFeatures, [resnet.FeatureSize], trainLabels), new Dataset(testFeatures, [resnet.FeatureSize], testLabels),
        epochs, batchSize, lr, seed, device);
    using var pixelHead = new Dense(784, Mnist.ClassCount, generator: new Generator(seed));
    double pixelAccuracy = TrainHead(pixelHead, new Dataset(Pixels(mnist.Train, trainPick), [784], trainLabels), new Dataset(Pixels(mnist.Test, testPick), [784], testLabels),
        epochs, batchSize, lr, seed, device);
    Console.WriteLine($"test_accuracy_resnet_features: {featureAccuracy:F4}");
    Console.WriteLine($"test_accuracy_raw_pixels: {pixelAccuracy:F4}");
    Console.WriteLine($"digits: {trainCount} train, {testCount} test");
    head.Save(Path.Combine(outDir, "head.safetensors"));

    if (imagePath is null)
    {
        imagePath = Path.Combine(outDir, "digit.png");
        ImageInput.SaveDigitPng(mnist.Test.Images.AsSpan(testPick[0] * 784, 784), imagePath);
        Console.WriteLine($"wrote test digit {mnist.Test.Labels[testPick[0]]} as {imagePath}");
    }
    var pixels = new float[3 * ImageInput.Size * ImageInput.Size];
    input.FromFile(imagePath, pixels);
    using (GradMode.NoGrad())
    using (var scope = new DisposeScope())
    {
        var probabilities = head.Forward(resnet.Features(Tensor.FromArray(pixels, [1, 3, ImageInput.Size, ImageInput.Size], device))).Softmax(-1).ToArray();
        int best = Array.IndexOf(probabilities, probabilities.Max());
        Console.WriteLine($"'{imagePath}' → digit {best} (probability {probabilities[best]:F3})");
    }
}

static int[] Pick(Random random, int available, int count)
{
    int[] all = Enumerable.Range(0, available).ToArray();
    random.Shuffle(all);
    return all[..Math.Clamp(count, 1, available)];
}

// [count, 512] pooled features of the picked digits, in batches of 8 without a graph.
static float[] Features(ResNet resnet, ImageInput input, LabeledImages split, int[] pick, Device device)
{
    const int batch = 8, pixels = 3 * ImageInput.Size * ImageInput.Size;
    var features = new float[pick.Length * resnet.FeatureSize];
    using var noGrad = GradMode.NoGrad();
    for (int start = 0; start < pick.Length; start += batch)
    {
        int n = Math.Min(batch, pick.Length - start);
        var images = new float[n * pixels];
        for (int i = 0; i < n; i++) input.FromDigit(split.Images.AsSpan(pick[start + i] * 784, 784), images.AsSpan(i * pixels, pixels));
        using var scope = new DisposeScope();
        resnet.Features(Tensor.FromArray(images, [n, 3, ImageInput.Size, ImageInput.Size], device)).ToArray().CopyTo(features, start * resnet.FeatureSize);
        Console.Write($"\rfeatures {start + n}/{pick.Length}");
    }
    Console.WriteLine();
    return features;
}

static double TrainHead(Dense head, Dataset train, Dataset test, int epochs, int batchSize, double lr, ulong seed, Device device)
{
    head.To(device);
    using var optimizer = new Adam(head.Parameters(), lr);
    var trainer = new Trainer(verbose: false);
    trainer.Fit(head, new CrossEntropyLoss(), optimizer, new DataLoader(train, batchSize, shuffle: true, seed: seed), epochs);
    return trainer.Evaluate(head, new CrossEntropyLoss(), new DataLoader(test, 256)).Accuracy ?? double.NaN;
}
