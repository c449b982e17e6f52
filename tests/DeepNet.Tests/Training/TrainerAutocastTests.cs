using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;

namespace DeepNet.Tests.Training;

/// <summary>Trainer.Autocast: the step runs in 16 bits, parameters stay float32, Float16 scales the loss.</summary>
public class TrainerAutocastTests
{
    private static History Train(DType? autocast, out Trainer trainer, out Sequential model)
    {
        model = new Sequential(new Dense(4, 16, generator: new Generator(5), activation: Activation.Relu), new Dense(16, 2, generator: new Generator(6)));
        var optimizer = new Adam(model.Parameters(), 0.05);
        trainer = new Trainer(new StringWriter(), interactive: false) { Autocast = autocast };
        var data = TrainerSafetyTests.Classes(64);
        return trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(data, batchSize: 16), epochs: 4,
            validation: new DataLoader(data, batchSize: 32));
    }

    [Theory]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float16)]
    public void Fit_WithAutocast_LearnsLikeFloat32_AndKeepsFloat32Parameters(DType dtype)
    {
        var reference = Train(null, out _, out var m32);
        var mixed = Train(dtype, out var trainer, out var model);
        using (m32)
        using (model)
        {
            Assert.All(model.Parameters(), p => Assert.Equal(DType.Float32, p.DType));
            Assert.True(mixed.Last!.Loss < mixed.Epochs[0].Loss, $"loss {mixed.Epochs[0].Loss} -> {mixed.Last.Loss}");
            Assert.Equal(reference.Last!.Accuracy!.Value, mixed.Last.Accuracy!.Value, 1);
            Assert.Equal(reference.Last.ValLoss!.Value, mixed.Last.ValLoss!.Value, 1);
            if (dtype == DType.Float16) Assert.NotNull(trainer.GradScaler);   // made with torch's defaults
            else Assert.Null(trainer.GradScaler);
        }
    }

    [Fact]
    public void Float16Overflow_SkipsTheStepAndBacksOff_InsteadOfStoppingTraining()
    {
        using var model = new Sequential(new Dense(4, 8, generator: new Generator(7)), new Dense(8, 2, generator: new Generator(8)));
        using var optimizer = new Adam(model.Parameters(), 0.01);
        var before = model.Parameters().Select(p => p.ToArray()).ToList();
        // 2^40 · loss overflows float16 (max 65504) in the first backward ops: every step overflows until the scale is small.
        var scaler = new GradScaler(initScale: Math.Pow(2, 40));
        var trainer = new Trainer(new StringWriter(), interactive: false) { Autocast = DType.Float16, GradScaler = scaler, ClipGradNorm = 1.0 };
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(TrainerSafetyTests.Classes(16), batchSize: 4), epochs: 1);
        Assert.Null(history.StopReason);
        Assert.Equal(Math.Pow(2, 36), scaler.ScaleFactor);   // four overflowed steps, each halving
        Assert.Equal(0, optimizer.StepCount);
        var after = model.Parameters().Select(p => p.ToArray()).ToList();
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], after[i]);
    }

    [Fact]
    public void Autocast_RefusesANon16BitDType()
    {
        var error = Assert.Throws<ArgumentException>(() => new Trainer(new StringWriter()) { Autocast = DType.Float64 });
        Assert.Contains("Float64", error.Message);
    }
}
