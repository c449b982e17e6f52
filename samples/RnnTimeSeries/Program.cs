// One-step-ahead forecasting with a recurrent network: windows of a series go through an RNN
// (input 1, hidden 10) whose last hidden state a Linear layer maps to the next value; MSE, Adam.
// The score to beat is the naive forecast "tomorrow equals today" on the same test windows.
//   dotnet run -c Release --project samples/RnnTimeSeries -- --out out/rnn-sine
//   dotnet run -c Release --project samples/RnnTimeSeries -- --dataset births --cell lstm
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

var options = new StandardOptions(epochs: 100, batchSize: 64, learningRate: 0.01, outDir: null,
    epochsHelp: "Passes over the training windows",
    batchHelp: "Windows per step",
    learningRateHelp: "Adam learning rate",
    seedHelp: "Seeds the noise, the weights and shuffling",
    outHelp: "Where the model, plot and history go (default: out/rnn-DATASET-CELL)");
var datasetOption = new Option<string>("--dataset") { Description = "sine (noisy sine wave) or births (US daily births 2000-2014)", DefaultValueFactory = _ => "sine" };
datasetOption.AcceptOnlyFromAmong("sine", "births");
var cellOption = new Option<string>("--cell") { Description = "rnn, lstm or gru", DefaultValueFactory = _ => "rnn" };
cellOption.AcceptOnlyFromAmong("rnn", "lstm", "gru");
var windowOption = new Option<int>("--window") { Description = "Past values the network sees per forecast", DefaultValueFactory = _ => 20 };
var hiddenOption = new Option<int>("--hidden") { Description = "Hidden units of the recurrent cell", DefaultValueFactory = _ => 10 };

var command = options.AddTo(new RootCommand("Forecast the next value of a time series with an RNN, LSTM or GRU")
{
    datasetOption, cellOption, windowOption, hiddenOption,
});
command.SetAction(parse =>
{
    string dataset = parse.GetValue(datasetOption)!, cell = parse.GetValue(cellOption)!;
    return Train(dataset, cell, parse.GetValue(windowOption), parse.GetValue(hiddenOption), parse.GetValue(options.Epochs),
        parse.GetValue(options.BatchSize), parse.GetValue(options.LearningRate), Device.Parse(parse.GetValue(options.Device)!), parse.GetValue(options.Data),
        parse.GetValue(options.Seed), parse.GetValue(options.Out) ?? Path.Combine("out", $"rnn-{dataset}-{cell}"));
});
return command.Parse(args).Invoke();

static int Train(string dataset, string cell, int window, int hidden, int epochs, int batchSize, double lr, Device device,
    string? dataDir, ulong seed, string outDir)
{
    float[] series = dataset == "sine" ? NoisySine(2000, seed) : UsBirths.Load(dataDir).BirthsAsFloat();
    // The first 80% of the series trains, the rest tests (no look-ahead); both are scaled with
    // the training part's mean and std, and the MSEs are reported in those standardized units.
    int split = series.Length * 4 / 5;
    double mean = series[..split].Average(), std = Math.Sqrt(series[..split].Average(v => (v - mean) * (v - mean)));
    float[] scaled = series.Select(v => (float)((v - mean) / std)).ToArray();
    var trainSet = Windows(scaled[..split], window);
    var testSet = Windows(scaled[(split - window)..], window);
    var train = new DataLoader(trainSet, batchSize, shuffle: true, seed: seed);
    var test = new DataLoader(testSet, batchSize: 1024);

    using var model = new Forecaster(cell, hidden, new Generator(seed));
    model.To(device);
    Console.WriteLine($"device: {device}");
    Console.WriteLine($"{dataset}: {series.Length} values, {trainSet.Count} training and {testSet.Count} test windows of {window}");
    Console.WriteLine(model);

    using var optimizer = new Adam(model.Parameters(), lr);
    var loss = new MseLoss();
    var trainer = new Trainer();
    var clock = Stopwatch.StartNew();
    var history = trainer.Fit(model, loss, optimizer, train, epochs, validation: test);
    double trainSeconds = clock.Elapsed.TotalSeconds;
    double testMse = trainer.Evaluate(model, loss, test).Loss;

    // Naive forecast: the next value equals the last one in the window.
    double naiveMse = Enumerable.Range(0, testSet.Count)
        .Average(i => Math.Pow(testSet.Features[i * window + window - 1] - testSet.Targets[i], 2));

    Directory.CreateDirectory(outDir);
    model.Save(Path.Combine(outDir, "model.safetensors"));
    history.WriteCsv(Path.Combine(outDir, "history.csv"));
    history.SavePlot(Path.Combine(outDir, "history.svg"), $"{cell.ToUpperInvariant()} forecasting {dataset}");

    Console.WriteLine($"test_mse: {testMse:F5}");
    Console.WriteLine($"naive_last_value_mse: {naiveMse:F5}");
    Console.WriteLine($"beats_naive: {(testMse < naiveMse).ToString().ToLowerInvariant()}");
    Console.WriteLine($"train_time_s: {trainSeconds:F1}");
    Console.WriteLine($"time_per_epoch_s: {StandardOptions.PerEpoch(trainSeconds, history.Epochs.Count, "F3")}");
    Console.WriteLine($"epochs: {history.Epochs.Count}");
    Console.WriteLine($"params: {model.ParameterCount}");
    Console.WriteLine($"out: {Path.GetFullPath(outDir)}");
    return testMse < naiveMse ? 0 : 1;
}

// sin(2πt/50) + N(0, 0.1²): a period of 50 steps, so a 20-step window sees its phase.
static float[] NoisySine(int length, ulong seed)
{
    using var noise = Tensor.Randn([length], new Generator(seed), std: 0.1f);
    float[] values = noise.ToArray();
    for (int t = 0; t < length; t++) values[t] += MathF.Sin(2 * MathF.PI * t / 50f);
    return values;
}

// Every run of `window` consecutive values [T, 1] with the value after it as the target [1].
static Dataset Windows(float[] series, int window)
{
    int count = series.Length - window;
    var features = new float[count * window];
    var targets = new float[count];
    for (int i = 0; i < count; i++)
    {
        series.AsSpan(i, window).CopyTo(features.AsSpan(i * window));
        targets[i] = series[i + window];
    }
    return new Dataset(features, [window, 1], targets, [1]);
}

/// <summary>A recurrent cell over [N, T, 1] windows, then Linear(hidden → 1) on the last step's output: [N, 1].</summary>
internal sealed class Forecaster : Module
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
