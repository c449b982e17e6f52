// Linear regression the textbook way: standardize the features, fit y = W·x + b with plain
// full-batch SGD on the mean squared error, and compare with the closed-form least-squares
// solution of the normal equations. Then save the model, load it back and predict.
//   dotnet run -c Release --project samples/LinearRegression -- --dataset both --out out/linear-regression
using System.CommandLine;
using DeepNet.Samples;
using System.Diagnostics;
using System.Globalization;
using DeepNet.Autograd;
using DeepNet.Data;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;

var options = new StandardOptions(epochs: 1000, batchSize: 0, learningRate: 0.01, outDir: Path.Combine("out", "linear-regression"),
    epochsHelp: "Full-batch gradient steps",
    batchHelp: "Rows per step (0: the whole training set)",
    learningRateHelp: "SGD learning rate",
    seedHelp: "Seeds the synthetic data, the split and the weights",
    outHelp: "Where the models, plots and histories go");
var datasetOption = new Option<string>("--dataset") { Description = "synthetic, boston or both", DefaultValueFactory = _ => "synthetic" };
datasetOption.AcceptOnlyFromAmong("synthetic", "boston", "both");

var command = options.AddTo(new RootCommand("Fit a linear regression with SGD and check it against least squares")
{
    datasetOption,
});
command.SetAction(parse =>
{
    string dataset = parse.GetValue(datasetOption)!;
    var device = Device.Parse(parse.GetValue(options.Device)!);
    ulong seed = parse.GetValue(options.Seed);
    var problems = new List<(string Name, float[] X, float[] Y, string[] Features)>();
    if (dataset is "synthetic" or "both") problems.Add(Synthetic(seed));
    if (dataset is "boston" or "both")
    {
        var boston = BostonHousing.Load(parse.GetValue(options.Data));
        problems.Add(("boston", boston.Features, boston.Targets, BostonHousing.FeatureNames.ToArray()));
    }
    bool ok = true;
    foreach (var (name, x, y, features) in problems)
        ok &= Fit(name, x, y, features, parse.GetValue(options.Epochs), parse.GetValue(options.BatchSize), parse.GetValue(options.LearningRate),
            device, seed, Path.Combine(parse.GetValue(options.Out)!, name));
    return ok ? 0 : 1;
});
return command.Parse(args).Invoke();

static bool Fit(string name, float[] x, float[] y, string[] featureNames, int epochs, int batchSize, double lr,
    Device device, ulong seed, string outDir)
{
    int d = featureNames.Length, n = y.Length, trainCount = n * 4 / 5;
    Shuffle(x, y, d, seed);
    var normalization = Standardization(x.AsSpan(0, trainCount * d), d);
    var xStd = (float[])x.Clone();
    normalization.Apply(xStd);
    var trainSet = new Dataset(xStd[..(trainCount * d)], [d], y[..trainCount], [1]);
    var testSet = new Dataset(xStd[(trainCount * d)..], [d], y[trainCount..], [1]);
    var train = new DataLoader(trainSet, batchSize > 0 ? batchSize : trainCount, shuffle: batchSize > 0, seed: seed);
    var test = new DataLoader(testSet, batchSize: testSet.Count);

    using var model = new Sequential(new Dense(d, 1, generator: new Generator(seed)));
    model.To(device);
    using var optimizer = new Sgd(model.Parameters(), lr);
    var loss = new MseLoss();
    var trainer = new Trainer(verbose: false);
    var clock = Stopwatch.StartNew();
    var history = trainer.Fit(model, loss, optimizer, train, epochs, validation: test, new PrintEvery(epochs / 5, name));
    double seconds = clock.Elapsed.TotalSeconds;
    var testMse = trainer.Evaluate(model, loss, test).Loss;

    var dense = (Dense)model[0];
    float[] w = dense.Weight.ToArray(), b = dense.Bias!.ToArray();
    double[] exact = LeastSquares(xStd.AsSpan(0, trainCount * d), y.AsSpan(0, trainCount), d);
    double maxDiff = Math.Abs(b[0] - exact[d]);
    for (int j = 0; j < d; j++) maxDiff = Math.Max(maxDiff, Math.Abs(w[j] - exact[j]));

    // Save weights + architecture (with the standardization), load both back, predict raw rows.
    Directory.CreateDirectory(outDir);
    string weightsPath = Path.Combine(outDir, "model.safetensors"), jsonPath = Path.Combine(outDir, "model.json");
    model.Save(weightsPath);
    ModelArchitecture.Describe(model, [d], ModelTask.Regression, normalization: normalization,
        weightsFile: "model.safetensors", name: $"linear-regression-{name}").Save(jsonPath);
    history.WriteCsv(Path.Combine(outDir, "history.csv"));
    history.SavePlot(Path.Combine(outDir, "history.svg"), $"Linear regression ({name})");
    var architecture = ModelArchitecture.Load(jsonPath);
    using var reloaded = architecture.BuildWithWeights(weightsPath, device);
    float[] rawTest = x[(trainCount * d)..];
    architecture.Normalization!.Apply(rawTest);
    using var predictions = trainer.Predict(reloaded, new DataLoader(new Dataset(rawTest, [d], y[trainCount..], [1]), batchSize: 256));
    using var expected = trainer.Predict(model, test);
    double reloadDiff = predictions.ToArray().Zip(expected.ToArray(), (p, q) => Math.Abs(p - q)).Max();

    Console.WriteLine($"[{name}] learned (SGD) vs closed form (normal equations), standardized features:");
    for (int j = 0; j < d; j++) Console.WriteLine($"  w[{featureNames[j]}] = {w[j],10:F5}   exact {exact[j],10:F5}");
    Console.WriteLine($"  b = {b[0],10:F5}   exact {exact[d],10:F5}");
    Console.WriteLine($"{name}_test_mse: {testMse:F5}");
    Console.WriteLine($"{name}_train_mse: {(history.Last is { } last ? last.Loss.ToString("F5", CultureInfo.InvariantCulture) : "n/a")}");
    Console.WriteLine($"{name}_max_diff_to_least_squares: {maxDiff:E2}");
    Console.WriteLine($"{name}_reloaded_max_prediction_diff: {reloadDiff:E2}");
    Console.WriteLine($"{name}_reloaded_predictions_match: {(reloadDiff <= 1e-5 * (1 + y.Max(Math.Abs))).ToString().ToLowerInvariant()}");
    Console.WriteLine($"{name}_time_per_epoch_ms: {StandardOptions.PerEpoch(seconds * 1000, history.Epochs.Count, "F2")}");
    Console.WriteLine($"{name}_out: {Path.GetFullPath(outDir)}");
    return reloadDiff <= 1e-5 * (1 + y.Max(Math.Abs)) && (name != "synthetic" || maxDiff <= 1e-3);
}

// y = x·w + 3 + N(0, 0.5²) with 1,000 rows of 5 independent features on different scales
// (standardizing is what lets one learning rate fit them all).
static (string, float[], float[], string[]) Synthetic(ulong seed)
{
    const int n = 1000;
    float[] trueW = [2.0f, -3.5f, 0.5f, 1.25f, -0.75f], scale = [1f, 10f, 0.1f, 5f, 100f], offset = [0f, 50f, -2f, 10f, 500f];
    int d = trueW.Length;
    using var noise = Tensor.Randn([n, d + 1], new Generator(seed));
    float[] z = noise.ToArray(), x = new float[n * d], y = new float[n];
    for (int i = 0; i < n; i++)
    {
        y[i] = 3f + 0.5f * z[i * (d + 1) + d];
        for (int j = 0; j < d; j++)
        {
            x[i * d + j] = offset[j] + scale[j] * z[i * (d + 1) + j];
            y[i] += trueW[j] * z[i * (d + 1) + j];
        }
    }
    return ("synthetic", x, y, Enumerable.Range(0, d).Select(j => $"x{j}").ToArray());
}

static InputNormalization Standardization(ReadOnlySpan<float> rows, int d)
{
    var mean = new double[d];
    var sq = new double[d];
    int n = rows.Length / d;
    for (int i = 0; i < rows.Length; i++) mean[i % d] += rows[i] / (double)n;
    for (int i = 0; i < rows.Length; i++) sq[i % d] += Math.Pow(rows[i] - mean[i % d], 2) / n;
    return new InputNormalization(mean.Select(m => (float)m).ToArray(), sq.Select(v => (float)Math.Sqrt(v)).ToArray());
}

// θ = [w; b] solving (AᵀA)θ = Aᵀy with A = [X, 1], by Gaussian elimination with partial pivoting in double.
static double[] LeastSquares(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int d)
{
    int m = d + 1;
    var a = new double[m, m + 1];
    for (int i = 0; i < y.Length; i++)
        for (int r = 0; r < m; r++)
        {
            double xr = r < d ? x[i * d + r] : 1;
            for (int c = 0; c < m; c++) a[r, c] += xr * (c < d ? x[i * d + c] : 1);
            a[r, m] += xr * y[i];
        }
    for (int col = 0; col < m; col++)
    {
        int pivot = Enumerable.Range(col, m - col).MaxBy(r => Math.Abs(a[r, col]));
        for (int c = 0; c <= m; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
        for (int r = 0; r < m; r++)
        {
            if (r == col) continue;
            double f = a[r, col] / a[col, col];
            for (int c = col; c <= m; c++) a[r, c] -= f * a[col, c];
        }
    }
    return Enumerable.Range(0, m).Select(r => a[r, m] / a[r, r]).ToArray();
}

static void Shuffle(float[] x, float[] y, int d, ulong seed)
{
    var random = new Random((int)(seed % int.MaxValue));
    for (int i = y.Length - 1; i > 0; i--)
    {
        int j = random.Next(i + 1);
        (y[i], y[j]) = (y[j], y[i]);
        for (int k = 0; k < d; k++) (x[i * d + k], x[j * d + k]) = (x[j * d + k], x[i * d + k]);
    }
}

/// <summary>Prints the epoch summary every <c>every</c> epochs (a 1,000-epoch fit would flood the console).</summary>
internal sealed class PrintEvery(int every, string name) : Callback
{
    public override void OnEpochEnd(TrainingContext context, EpochMetrics metrics)
    {
        if (metrics.Epoch == 1 || metrics.Epoch % Math.Max(every, 1) == 0)
            Console.WriteLine($"[{name}] {metrics.Summary(context.Epochs)}");
    }
}
