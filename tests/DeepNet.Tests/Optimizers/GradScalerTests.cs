using DeepNet.Autograd;
using DeepNet.Optimizers;
using DeepNet.Serialization;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Optimizers;

/// <summary>torch.amp.GradScaler's contract: skip-and-shrink on Inf/NaN, growth after the interval, exact unscaling.</summary>
public class GradScalerTests
{
    // loss = Σ p·x: the gradient of p is x (times the scale once scaled).
    private static void Backward(GradScaler scaler, Tensor p, float[] x)
    {
        using var scope = new DisposeScope();
        scaler.Scale((p * Tensor.FromArray(x)).Sum()).Backward();
    }

    [Fact]
    public void OverflowedStep_LeavesParametersUnchanged_AndHalvesTheScale()
    {
        using var p = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using var sgd = new Sgd([p], learningRate: 0.1);
        var scaler = new GradScaler();
        Backward(scaler, p, [1e35f, 1f]);   // 1e35 · 2^16 overflows float32
        Assert.False(scaler.Step(sgd));
        scaler.Update();
        Assert.Equal([1f, 2f], p.ToArray());
        Assert.Equal(32768.0, scaler.ScaleFactor);
        Assert.Equal(0, scaler.GrowthTracker);
        Assert.Equal(0, sgd.StepCount);
    }

    [Fact]
    public void NaNGradient_IsSkippedToo()
    {
        using var p = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using var sgd = new Sgd([p], learningRate: 0.1);
        var scaler = new GradScaler(initScale: 8);
        Backward(scaler, p, [float.NaN, 1f]);
        Assert.False(scaler.Step(sgd));
        scaler.Update();
        Assert.Equal([1f, 2f], p.ToArray());
        Assert.Equal(4.0, scaler.ScaleFactor);
    }

    [Fact]
    public void GoodSteps_UnscaleExactly_AndGrowTheScaleAfterTheInterval()
    {
        using var p = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using var sgd = new Sgd([p], learningRate: 0.5);
        var scaler = new GradScaler(initScale: 1024, growthInterval: 3);
        for (int step = 1; step <= 3; step++)
        {
            sgd.ZeroGrad();
            Backward(scaler, p, [0.25f, -3f]);
            scaler.Unscale(sgd);
            Assert.Equal([0.25f, -3f], p.Grad!.ToArray());   // a power-of-two scale divides back exactly
            Assert.True(scaler.Step(sgd));
            scaler.Update();
            Assert.Equal(step < 3 ? 1024.0 : 2048.0, scaler.ScaleFactor);
            Assert.Equal(step % 3, scaler.GrowthTracker);
        }
        Assert.Equal([1f - 3 * 0.5f * 0.25f, 2f + 3 * 0.5f * 3f], p.ToArray());
    }

    [Fact]
    public void Misuse_IsRefusedNamingTheCall()
    {
        using var p = Tensor.FromArray([1f]).RequiresGradient();
        using var sgd = new Sgd([p]);
        var scaler = new GradScaler();
        Assert.Contains("Update", Assert.Throws<InvalidOperationException>(() => scaler.Update()).Message);
        Backward(scaler, p, [1f]);
        scaler.Unscale(sgd);
        Assert.Contains("Unscale", Assert.Throws<InvalidOperationException>(() => scaler.Unscale(sgd)).Message);
        scaler.Step(sgd);
        Assert.Contains("Step", Assert.Throws<InvalidOperationException>(() => scaler.Step(sgd)).Message);
        scaler.Update();
        Assert.Throws<ArgumentException>(() => new GradScaler(initScale: 0));
        Assert.Throws<ArgumentException>(() => new GradScaler(backoffFactor: 1));
    }

    [Fact]
    public void Disabled_PassesEverythingThrough()
    {
        using var p = Tensor.FromArray([1f]).RequiresGradient();
        using var sgd = new Sgd([p], learningRate: 1);
        var scaler = new GradScaler(enabled: false);
        using var loss = (p * 3f).Sum();
        Assert.Same(loss, scaler.Scale(loss));
        loss.Backward();
        Assert.True(scaler.Step(sgd));
        scaler.Update();
        Assert.Equal([-2f], p.ToArray());
    }

    [Fact]
    public void Checkpoint_KeepsTheScaleAndTracker()
    {
        using var p = Tensor.FromArray([1f]).RequiresGradient();
        using var sgd = new Sgd([p]);
        var scaler = new GradScaler(initScale: 256, growthInterval: 10);
        Backward(scaler, p, [1f]);
        scaler.Step(sgd);
        scaler.Update();
        var checkpoint = new Checkpoint([]);
        scaler.WriteTo(checkpoint);
        var path = Path.Combine(Path.GetTempPath(), $"scaler-{Guid.NewGuid():N}.safetensors");
        try
        {
            checkpoint.Save(path);
            var resumed = new GradScaler(growthInterval: 10);
            resumed.ReadFrom(Checkpoint.Load(path));
            Assert.Equal(256.0, resumed.ScaleFactor);
            Assert.Equal(1, resumed.GrowthTracker);
            Assert.Throws<SafeTensorsFormatException>(() => new GradScaler(growthInterval: 1).ReadFrom(Checkpoint.Load(path)));
        }
        finally { File.Delete(path); }
    }
}
