using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;
using DeepNet.Autograd;

namespace DeepNet.Tests.Training;

public class TrainerStopAndPredictTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deepnet-trainer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Cross entropy that asks the trainer to stop (as Ctrl+C does) on its <paramref name="stopAtCall"/>-th call.</summary>
    private sealed class InterruptingLoss(Func<Trainer> trainer, int stopAtCall) : Loss(Reduction.Mean)
    {
        private readonly CrossEntropyLoss _inner = new();
        private int _calls;

        public override Tensor Forward(Tensor prediction, Tensor target)
        {
            if (++_calls == stopAtCall) trainer().RequestStop();
            return _inner.Forward(prediction, target);
        }
    }

    private static Dataset Classes(int count) => TrainerSafetyTests.Classes(count);

    [Fact]
    public void RequestStop_EndsTheCurrentEpoch_AndKeepsTheLastCheckpoint()
    {
        var output = new StringWriter();
        var trainer = new Trainer(output, interactive: false);
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var train = new DataLoader(Classes(40), batchSize: 8, prefetch: 2);  // 5 batches an epoch
        var checkpoint = new ModelCheckpoint(Path.Combine(_folder, "last.safetensors"), "loss", saveBestOnly: false);
        // Call 13 is the third batch of epoch 3.
        var history = trainer.Fit(model, new InterruptingLoss(() => trainer, 13), optimizer, train, epochs: 10, null, checkpoint);
        Assert.True(history.Interrupted);
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(2, checkpoint.SavedEpoch);
        Assert.Equal("2", SafeTensorsReader.Read(checkpoint.Path).Metadata["epoch"]);
        Assert.Contains("interrupted during epoch 3 after 24/40 samples", output.ToString());
    }

    [Fact]
    public void RequestStop_InTheFirstEpoch_ClaimsNoCheckpoint_NorAFullBar_NorAnEpochTime()
    {
        // What Ctrl+C does (the handler sets the same flag as RequestStop), with no checkpoint callback.
        var output = new StringWriter();
        var trainer = new Trainer(output, interactive: false);
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var train = new DataLoader(Classes(40), batchSize: 8, prefetch: 2);  // 5 batches an epoch
        var history = trainer.Fit(model, new InterruptingLoss(() => trainer, 3), optimizer, train, epochs: 10);
        string text = output.ToString();
        Assert.True(history.Interrupted);
        Assert.Empty(history.Epochs);                                  // no epoch summary, so no epoch time
        Assert.Equal("interrupted during epoch 1 after 24/40 samples", history.StopReason);
        Assert.DoesNotContain("checkpoint", text);
        Assert.DoesNotContain("batch 5/5", text);                        // the bar stops at the batches that ran
        Assert.Contains("batch 3/5", text);
    }

    [Fact]
    public void Predict_ReturnsEveryOutputInOrder_AndEvaluateAgreesWithIt()
    {
        using var model = new Sequential(new Dense(4, 8, generator: new Generator(1)), new Relu(), new Dense(8, 2, generator: new Generator(2)));
        var data = Classes(27);
        var trainer = new Trainer(TextWriter.Null, interactive: false);
        using var predictions = trainer.Predict(model, new DataLoader(data, batchSize: 10));
        Assert.Equal([27, 2], predictions.Shape.ToArray());
        using (var all = Tensor.FromArray(data.Features, [27, 4]))
        using (GradMode.NoGrad())
        using (var direct = model.Forward(all))
        {
            var expected = direct.ToArray();
            var actual = predictions.ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        }
        var p = predictions.ToArray();
        int correct = Enumerable.Range(0, 27).Count(i => (p[2 * i + 1] > p[2 * i] ? 1 : 0) == (int)data.Targets[i]);
        var evaluation = trainer.Evaluate(model, new CrossEntropyLoss(), new DataLoader(data, batchSize: 4));
        Assert.Equal(27, evaluation.Samples);
        Assert.Equal(correct / 27.0, evaluation.Accuracy!.Value, 9);
        Assert.True(model.IsTraining);  // Evaluate and Predict put the mode back
    }

    [Fact]
    public void Fit_KeepsTheNumberOfLiveTensorsFlat()
    {
        using var model = new Sequential(new Dense(4, 16, generator: new Generator(1)), new Relu(), new Dense(16, 2, generator: new Generator(2)));
        using var optimizer = new Adam(model.Parameters(), 0.01);
        var trainer = new Trainer(TextWriter.Null, interactive: false);
        using var outer = new DisposeScope();
        trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(64), batchSize: 8), epochs: 1);
        int afterOne = outer.Count;
        trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(64), batchSize: 8), epochs: 3);
        Assert.Equal(afterOne, outer.Count);
        Assert.Equal(0, afterOne);
    }
}
