using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;

namespace DeepNet.Tests.Training;

/// <summary>NaN safety, clipping, batch callbacks and the Keras-habit warnings of the Trainer.</summary>
public class TrainerSafetyTests
{
    internal static Dataset Classes(int count, int nanAt = -1)
    {
        var features = new float[count * 4];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            targets[i] = i % 2;
            features[i * 4 + (i % 2)] = 1f;
            features[i * 4 + 2] = i / (float)count;
        }
        if (nanAt >= 0) features[nanAt * 4 + 3] = float.NaN;
        return new Dataset(features, [4], targets);
    }

    private static bool AllFinite(Module model) => model.Parameters().All(p => p.ToArray().All(float.IsFinite));

    /// <summary>Records every batch callback and the gradient norm seen after clipping.</summary>
    private sealed class BatchRecorder : Callback
    {
        public List<(int Epoch, int Batch)> Begun { get; } = [];
        public List<double> Losses { get; } = [];
        public List<double> GradNorms { get; } = [];
        public List<float> MaxAbsGrads { get; } = [];

        public override void OnBatchBegin(TrainingContext context, int batch) => Begun.Add((context.Epoch, batch));

        public override void OnBatchEnd(TrainingContext context, int batch, double loss)
        {
            Losses.Add(loss);
            var grads = context.Model.Parameters().Select(p => p.Grad!.ToArray()).ToList();
            GradNorms.Add(Math.Sqrt(grads.Sum(g => g.Sum(v => (double)v * v))));
            MaxAbsGrads.Add(grads.Max(g => g.Max(MathF.Abs)));
        }
    }

    [Fact]
    public void NanInput_StopsFitBeforeTheStep_WithAReasonNamingTheBatchAndTheInput()
    {
        var output = new StringWriter();
        var trainer = new Trainer(output, interactive: false);
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(40, nanAt: 21), batchSize: 8), epochs: 3);
        Assert.Empty(history.Epochs);
        Assert.NotNull(history.StopReason);
        Assert.Contains("loss is NaN at epoch 1, batch 3", history.StopReason);
        Assert.Contains("input batch holds 1 NaN/Inf values", history.StopReason);
        Assert.Contains("terminate_on_nan", output.ToString());
        Assert.True(AllFinite(model));
    }

    [Fact]
    public void NanInput_WithTerminateOnNaNOff_WarnsOnceAndGoesOn()
    {
        var output = new StringWriter();
        var trainer = new Trainer(output, interactive: false) { TerminateOnNaN = false };
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(40, nanAt: 21), batchSize: 8), epochs: 2);
        Assert.Equal(2, history.Epochs.Count);
        var warning = Assert.Single(history.Warnings);
        Assert.Contains("loss is NaN", warning);
        Assert.Single(output.ToString().Split('\n'), l => l.StartsWith("warning: loss is NaN", StringComparison.Ordinal));
    }

    [Fact]
    public void ClipGradNorm_OnANonFiniteNorm_ThrowsByDefault_AndReturnsItWhenAsked()
    {
        using var p = Tensor.FromArray([1f, 2f], [2]).RequiresGradient();
        using (var y = (p * float.NaN).Sum()) y.Backward();
        var error = Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm([p], 1.0));
        Assert.Contains("clip_grad_norm", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.True(double.IsNaN(GradClip.ClipGradNorm([p], 1.0, errorIfNonfinite: false)));
    }

    [Fact]
    public void ClipGradValue_ClampsEveryElement()
    {
        using var p = Tensor.FromArray([1f, 2f, 3f], [3]).RequiresGradient();
        using (var y = (p * Tensor.FromArray([-5f, 0.5f, 7f], [3])).Sum()) y.Backward();
        GradClip.ClipGradValue([p], 1.0);
        Assert.Equal([-1f, 0.5f, 1f], p.Grad!.ToArray());
        Assert.Throws<ArgumentException>(() => GradClip.ClipGradValue([p], -1));
    }

    [Fact]
    public void Fit_ClipsByNormAndByValue_AndCallsBatchCallbacksWithTheLoss()
    {
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var recorder = new BatchRecorder();
        var trainer = new Trainer(TextWriter.Null, interactive: false) { ClipGradNorm = 0.01 };
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(40), batchSize: 8), epochs: 2, null, recorder);
        Assert.Equal(10, recorder.Begun.Count);
        Assert.Equal((2, 4), recorder.Begun[^1]);
        Assert.All(recorder.GradNorms, n => Assert.True(n <= 0.01 + 1e-6, $"norm {n}"));
        Assert.Equal(history.Epochs[0].Loss, recorder.Losses.Take(5).Average(), 5);

        var byValue = new BatchRecorder();
        var clipping = new Trainer(TextWriter.Null, interactive: false) { ClipGradValue = 1e-3 };
        clipping.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(40), batchSize: 8), epochs: 1, null, byValue);
        Assert.All(byValue.MaxAbsGrads, m => Assert.True(m <= 1e-3f, $"max |grad| {m}"));
        Assert.Throws<ArgumentException>(() => new Trainer(TextWriter.Null) { ClipGradNorm = 0 });
    }

    /// <summary>Stops the epoch from a batch callback.</summary>
    private sealed class StopAtBatch(int batch) : Callback
    {
        public override void OnBatchEnd(TrainingContext context, int index, double loss)
        {
            if (index == batch) context.StopTraining = true;
        }
    }

    [Fact]
    public void StopTrainingInOnBatchEnd_EndsTheEpochThere()
    {
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var recorder = new BatchRecorder();
        var history = new Trainer(TextWriter.Null, interactive: false).Fit(model, new CrossEntropyLoss(), optimizer,
            new DataLoader(Classes(40), batchSize: 8), epochs: 3, null, new StopAtBatch(1), recorder);
        Assert.Equal(2, recorder.Begun.Count);
        Assert.Single(history.Epochs);
    }

    [Fact]
    public void SoftmaxBeforeCrossEntropy_Warns()
    {
        var output = new StringWriter();
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)), new Softmax(1));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var history = new Trainer(output, interactive: false).Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(16), batchSize: 8), epochs: 1);
        var warning = Assert.Single(history.Warnings);
        Assert.Contains("Softmax", warning);
        Assert.Contains("CrossEntropyLoss", warning);
        Assert.Contains("warning: the model ends in a Softmax layer", output.ToString());
    }

    [Fact]
    public void OneHotTargets_TrainWithCrossEntropy_AndMeasureAccuracy()
    {
        var labels = Classes(40);
        var oneHot = new float[40 * 2];
        for (int i = 0; i < 40; i++) oneHot[i * 2 + (int)labels.Targets[i]] = 1f;
        var data = new Dataset(labels.Features, [4], oneHot, [2]);
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Adam(model.Parameters(), 0.05);
        var trainer = new Trainer(TextWriter.Null, interactive: false);
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(data, batchSize: 8), epochs: 20);
        Assert.True(history.Last!.Loss < history.Epochs[0].Loss);
        Assert.True(history.Last.Accuracy > 0.9, $"accuracy {history.Last.Accuracy}");
    }

    [Fact]
    public void Interrupt_WithoutACheckpoint_ClaimsNoCheckpoint()
    {
        var output = new StringWriter();
        var trainer = new Trainer(output, interactive: false);
        using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
        using var optimizer = new Sgd(model.Parameters(), 0.1);
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(Classes(40), batchSize: 8), epochs: 3, null,
            new StopAtBatchByRequest(trainer));
        Assert.True(history.Interrupted);
        Assert.DoesNotContain("checkpoint", history.StopReason!);
        Assert.DoesNotContain("holds epoch", output.ToString());
    }

    private sealed class StopAtBatchByRequest(Trainer trainer) : Callback
    {
        public override void OnBatchEnd(TrainingContext context, int batch, double loss)
        {
            if (batch == 2) trainer.RequestStop();
        }
    }
}
