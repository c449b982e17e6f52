using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;

namespace DeepNet.Tests.Training;

public class TrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deepnet-trainer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>y = x·W + b with its own parameters, so these tests need no layer library.</summary>
    private sealed class Affine : Module
    {
        private readonly Tensor _weight;
        private readonly Tensor _bias;

        public Affine(int inFeatures, int outFeatures, ulong seed)
        {
            _weight = RegisterParameter("weight", Tensor.Randn([inFeatures, outFeatures], new Generator(seed), std: 0.1f));
            _bias = RegisterParameter("bias", Tensor.Zeros([outFeatures]));
        }

        public override Tensor Forward(Tensor input)
        {
            using var product = input.MatMul(_weight);
            return product.Add(_bias);
        }
    }

    /// <summary>Three Gaussian blobs in 2-d, one per class, well separated.</summary>
    private static Dataset Blobs(int count, int seed)
    {
        var random = new Random(seed);
        float[][] centers = [[2f, 0f], [-1f, 1.7f], [-1f, -1.7f]];
        var features = new float[count * 2];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            targets[i] = label;
            for (int d = 0; d < 2; d++)
                features[i * 2 + d] = centers[label][d] + (float)(random.NextDouble() - 0.5);
        }
        return new Dataset(features, [2], targets);
    }

    private static (History History, Affine Model, string Output) FitBlobs(int epochs, double learningRate, params Callback[] callbacks)
    {
        var output = new StringWriter();
        var model = new Affine(2, 3, seed: 1);
        using var optimizer = new Sgd(model.Parameters(), learningRate);
        var train = new DataLoader(Blobs(120, 1), batchSize: 16, shuffle: true, seed: 5);
        var validation = new DataLoader(Blobs(60, 2), batchSize: 32);
        var history = new Trainer(output, interactive: false).Fit(model, new CrossEntropyLoss(), optimizer, train, epochs, validation, callbacks);
        return (history, model, output.ToString());
    }

    [Fact]
    public void Fit_LowersTheLossOfATinyClassifier_AndMeasuresAccuracy()
    {
        var (history, model, _) = FitBlobs(epochs: 6, learningRate: 0.3);
        using (model)
        {
            Assert.Equal(6, history.Epochs.Count);
            Assert.False(history.Interrupted);
            Assert.Null(history.StopReason);
            Assert.True(history.Epochs[^1].Loss < 0.5 * history.Epochs[0].Loss, $"loss {history.Epochs[0].Loss} -> {history.Epochs[^1].Loss}");
            Assert.True(history.Epochs[^1].Accuracy > 0.95);
            Assert.True(history.Epochs[^1].ValAccuracy > 0.95);
            Assert.True(history.Epochs[^1].ValLoss < history.Epochs[0].ValLoss);
            Assert.All(history.Epochs, e => Assert.True(e.Seconds > 0));
            Assert.Equal([1, 2, 3, 4, 5, 6], history.Epochs.Select(e => e.Epoch));
        }
    }

    [Fact]
    public void Fit_OfARegression_ReportsNoAccuracy()
    {
        var x = Enumerable.Range(0, 64).Select(i => i / 32f - 1f).ToArray();
        var data = new Dataset(x, [1], x.Select(v => 3 * v + 1).ToArray(), [1]);
        using var model = new Affine(1, 1, seed: 2);
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var history = new Trainer(TextWriter.Null, interactive: false)
            .Fit(model, new MseLoss(), optimizer, new DataLoader(data, batchSize: 8, shuffle: true), epochs: 20);
        Assert.All(history.Epochs, e => Assert.Null(e.Accuracy));
        Assert.True(history.Epochs[^1].Loss < 0.01 * history.Epochs[0].Loss);
        var csv = history.ToCsv().Split('\n');
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,time_s,lr", csv[0]);
        Assert.StartsWith("1,", csv[1]);
        Assert.Contains(",,,,", csv[1]);  // accuracy and both val columns are empty
    }

    [Fact]
    public void History_IsWrittenAsCsvAndSvg()
    {
        var (history, model, _) = FitBlobs(epochs: 3, learningRate: 0.3);
        model.Dispose();
        string csv = Path.Combine(_folder, "run", "history.csv"), svg = Path.Combine(_folder, "run", "history.svg");
        history.WriteCsv(csv);
        history.SavePlot(svg, "blobs");
        var lines = File.ReadAllLines(csv);
        Assert.Equal(4, lines.Length);
        Assert.Equal(7, lines[3].Split(',').Length);
        Assert.All(lines[1..], l => Assert.DoesNotContain(",,", l));
        var root = System.Xml.Linq.XDocument.Load(svg).Root!;
        Assert.Equal("svg", root.Name.LocalName);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_folder, "run")).Length);  // no temporary files left
    }

    [Fact]
    public void EarlyStopping_StopsAfterPatienceEpochsWithoutImprovement()
    {
        // Learning rate 0: the loss never improves after the first epoch.
        var stopper = new EarlyStopping("val_loss", patience: 2);
        var (history, model, output) = FitBlobs(epochs: 20, learningRate: 0, stopper);
        model.Dispose();
        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(3, stopper.StoppedEpoch);
        Assert.Equal(1, stopper.BestEpoch);
        Assert.StartsWith("early stopping", history.StopReason);
        Assert.Contains("early stopping: val_loss did not improve for 2 epochs", output);
    }

    [Fact]
    public void EarlyStopping_RestoresTheBestWeights()
    {
        // A huge learning rate makes SGD diverge after the first epoch, so epoch 1 stays the best.
        var stopper = new EarlyStopping("val_loss", patience: 1, restoreBestWeights: true);
        var checkpoint = new ModelCheckpoint(Path.Combine(_folder, "best.safetensors"));
        var (history, model, _) = FitBlobs(epochs: 10, learningRate: 40, stopper, checkpoint);
        using (model)
        {
            Assert.Equal(stopper.BestEpoch, checkpoint.SavedEpoch);
            Assert.True(history.Epochs.Count < 10);
            var saved = SafeTensorsReader.Read(Path.Combine(_folder, "best.safetensors"));
            Assert.Equal(stopper.BestEpoch.ToString(), saved.Metadata["epoch"]);
            foreach (var (name, tensor) in model.StateDict())
                Assert.Equal(saved[name].Data, tensor.ToArray());
        }
    }

    [Fact]
    public void MonitoringValidationWithoutValidationData_IsAClearError()
    {
        using var model = new Affine(2, 3, seed: 1);
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(TextWriter.Null, interactive: false)
            .Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Blobs(30, 1)), 2, null, new EarlyStopping("val_loss")));
        Assert.Contains("val_loss", e.Message);
    }

    [Fact]
    public void NonTerminalOutput_IsPlainLines()
    {
        var (_, model, output) = FitBlobs(epochs: 2, learningRate: 0.3);
        model.Dispose();
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\r', output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("epoch 1/2 - batch 8/8 - loss: ") && l.Contains("samples/s - ETA"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^epoch 2/2 - \d+\.\ds - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$"));
        Assert.True(lines.Length <= 2 * (PlainProgress.LinesPerEpoch + 1), $"{lines.Length} lines");
    }
}
