using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;

namespace DeepNet.Tests.Training;

/// <summary>Pluggable metrics, ReduceLROnPlateau, Predict on unlabeled data and custom IDataset sources.</summary>
public class TrainerMetricsTests
{
    // 3 classes; predictions (arg-max) vs targets: t=[0,0,1,1,2,2], p=[0,1,1,1,0,2].
    private static readonly float[] Logits =
    [
        3, 1, 0,   0, 2, 1,   0, 4, 1,   1, 2, 0,   5, 0, 1,   0, 1, 3,
    ];

    private static readonly float[] Labels = [0, 0, 1, 1, 2, 2];

    private static double Measure(Metric metric, float[] logits, float[] targets, int[] targetShape)
    {
        metric.Reset();
        using var output = Tensor.FromArray(logits, [6, 3]);
        using var target = Tensor.FromArray(targets, targetShape);
        metric.Update(output, target);
        return metric.Result();
    }

    [Fact]
    public void ClassificationMetrics_MatchHandComputedMacroAverages()
    {
        // class 0: tp 1 fp 1 fn 1; class 1: tp 2 fp 1 fn 0; class 2: tp 1 fp 0 fn 1
        double p = (0.5 + 2.0 / 3 + 1.0) / 3, r = (0.5 + 1.0 + 0.5) / 3;
        double f1 = (0.5 + 0.8 + 2.0 / 3) / 3;
        Assert.Equal(p, Measure(Metric.Precision(), Logits, Labels, [6]), 12);
        Assert.Equal(r, Measure(Metric.Recall(), Logits, Labels, [6]), 12);
        Assert.Equal(f1, Measure(Metric.F1Score(), Logits, Labels, [6]), 12);
        Assert.Equal(4.0 / 6, Measure(Metric.Accuracy(), Logits, Labels, [6]), 12);
        // top-2: sample 1 (target 0 scores 0 < 2, 1) misses; every other target is in the top 2.
        Assert.Equal(5.0 / 6, Measure(Metric.TopKAccuracy(2), Logits, Labels, [6]), 12);
        Assert.Equal("top_2_accuracy", Metric.TopKAccuracy(2).Name);
        var oneHot = new float[18];
        for (int i = 0; i < 6; i++) oneHot[i * 3 + (int)Labels[i]] = 1;
        Assert.Equal(f1, Measure(Metric.F1Score(), Logits, oneHot, [6, 3]), 12);
    }

    [Fact]
    public void Metrics_NameBadLabelsAndShapes()
    {
        var outOfRange = Assert.Throws<ArgumentException>(() => Measure(Metric.Precision(), Logits, [0, 0, 1, 3, 2, 2], [6]));
        Assert.Contains("target 3 is out of range for 3 classes", outOfRange.Message);
        var fraction = Assert.Throws<ArgumentException>(() => Measure(Metric.Recall(), Logits, [0, 0.5f, 1, 1, 2, 2], [6]));
        Assert.Contains("target 0.5 is not an integer class index", fraction.Message);
        Assert.Contains("mae: output [6,3] and target [6]", Assert.Throws<ArgumentException>(() => Measure(Metric.MeanAbsoluteError(), Logits, Labels, [6])).Message);
    }

    [Fact]
    public void MeanAbsoluteError_IsTheMeanOfAbsoluteDifferences()
    {
        var targets = Logits.Select(v => v + (v > 2 ? 1f : -0.5f)).ToArray();
        double expected = Logits.Select(v => v > 2 ? 1.0 : 0.5).Average();
        Assert.Equal(expected, Measure(Metric.MeanAbsoluteError(), Logits, targets, [6, 3]), 6);
        Assert.False(Metric.MeanAbsoluteError().HigherIsBetter);
    }

    [Fact]
    public void Fit_ReportsTheTrainersMetrics_ByKerasNames_OnTrainAndValidation()
    {
        var output = new StringWriter();
        var trainer = new Trainer(output, interactive: false, metrics: [Metric.Accuracy(), Metric.F1Score(), Metric.TopKAccuracy(2)]);
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Adam(model.Parameters(), 0.05);
        var data = TrainerSafetyTests.Classes(40);
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(data, batchSize: 8), epochs: 3,
            new DataLoader(data, batchSize: 16), new EarlyStopping("val_f1_score", patience: 5));
        Assert.All(history["f1_score"], v => Assert.NotNull(v));
        Assert.All(history["val_f1_score"], v => Assert.InRange(v!.Value, 0, 1));
        Assert.Equal(1.0, history.Last!.Get("top_2_accuracy"));
        Assert.NotNull(history.Last.Accuracy);
        Assert.Contains(" - f1_score: ", output.ToString());
        Assert.Contains(" - val_top_2_accuracy: 1.0000", output.ToString());
        Assert.StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,time_s,lr,f1_score,top_2_accuracy,val_f1_score,val_top_2_accuracy\n", history.ToCsv());
        var unknown = Assert.Throws<ArgumentException>(() => trainer.Fit(model, new CrossEntropyLoss(), optimizer,
            new DataLoader(data, batchSize: 8), 1, null, new EarlyStopping("precision")));
        Assert.Contains("unknown metric 'precision'", unknown.Message);
        Assert.Contains("f1_score", unknown.Message);
    }

    [Fact]
    public void ReduceLROnPlateau_CutsTheRateAfterPatienceEpochsWithoutImprovement()
    {
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 1e-9);  // the loss stays flat
        var plateau = new ReduceLROnPlateau("loss", factor: 0.5, patience: 2, cooldown: 1);
        var output = new StringWriter();
        var history = new Trainer(output, interactive: false).Fit(model, new CrossEntropyLoss(), optimizer,
            new DataLoader(TrainerSafetyTests.Classes(16), batchSize: 8), epochs: 7, null, plateau);
        // Keras' counting: epoch 1 sets the best; 2, 3 wait → cut after 3; epoch 4 ends the
        // cooldown and waits again (1), 5 (2) → cut; 6 cooldown + 1, 7 (2) → cut.
        Assert.Equal([3, 5, 7], plateau.ReducedAt);
        Assert.Equal(1e-9, history.Epochs[2].LearningRate, 15);
        Assert.Equal(0.5e-9, history.Epochs[3].LearningRate, 15);
        Assert.Equal(0.125e-9, optimizer.LearningRate, 15);
        Assert.Contains("reduce_lr_on_plateau: loss did not improve", output.ToString());
    }

    /// <summary>A source that is not float arrays: byte features and integer labels made on demand.</summary>
    private sealed class GeneratedBytes(int count) : IDataset
    {
        public int Count => count;
        public int[] SampleShape => [4];
        public int[] TargetShape => [];
        public bool HasTargets => true;

        public void CopySample(int index, Span<float> features, Span<float> target)
        {
            byte[] raw = [(byte)(index % 2 == 0 ? 255 : 0), (byte)(index % 2 == 1 ? 255 : 0), (byte)(index % 7), 0];
            for (int i = 0; i < raw.Length; i++) features[i] = raw[i] / 255f;
            target[0] = index % 2;
        }
    }

    [Fact]
    public void CustomIDataset_Trains_AndUnlabeledDataPredicts()
    {
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Adam(model.Parameters(), 0.05);
        var trainer = new Trainer(TextWriter.Null, interactive: false);
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(new GeneratedBytes(30), batchSize: 8, shuffle: true), epochs: 15);
        Assert.True(history.Last!.Accuracy > 0.9);

        var features = TrainerSafetyTests.Classes(10).Features;
        var unlabeled = new Dataset(features, [4]);
        Assert.False(unlabeled.HasTargets);
        using var fromLoader = trainer.Predict(model, new DataLoader(unlabeled, batchSize: 4));
        using var inputs = Tensor.FromArray(features, [10, 4]);
        using var fromTensor = trainer.Predict(model, inputs, batchSize: 3);
        Assert.Equal([10, 2], fromTensor.Shape.ToArray());
        Assert.Equal(fromLoader.ToArray(), fromTensor.ToArray());
        var noTargets = Assert.Throws<ArgumentException>(() => trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(unlabeled), 1));
        Assert.Contains("no targets", noTargets.Message);
    }
}
