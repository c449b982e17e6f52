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
    public void Autocast_RefusesANon16BitDType()
    {
        var error = Assert.Throws<ArgumentException>(() => new Trainer(new StringWriter()) { Autocast = DType.Float64 });
        Assert.Contains("Float64", error.Message);
    }
}
