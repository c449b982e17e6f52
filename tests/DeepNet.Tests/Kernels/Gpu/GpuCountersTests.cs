using DeepNet.Kernels.Gpu;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Tests.Layers;
using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// Launches and host syncs of a training step, counted by the backend: a step (forward, cross
/// entropy, backward, Adam) queues its kernels and never waits for the device; only reading a
/// value does.
/// </summary>
[Collection(EmulatorCollection.Name)]   // counts the emulator's work: nothing else may run on it meanwhile
public sealed class GpuCountersTests
{
    [Fact]
    public void MlpTrainingStep_QueuesItsKernels_WithoutAHostSync()
    {
        var g = new Generator(21);
        var device = Device.GpuEmulator;
        var gpu = GpuBackend.Emulator;
        using var model = Models.Mlp(6, 8, 3, g);
        model.To(device);
        var optimizer = new Adam(model.Parameters(), 1e-2);
        var loss = new CrossEntropyLoss();
        using var x = Tensor.Randn([16, 6], g, device);
        using var y = Tensor.RandInt(0, 3, [16], g, device);
        Tensor Step()
        {
            optimizer.ZeroGrad();
            var value = loss.Forward(model.Forward(x), y);
            value.Backward();
            optimizer.Step();
            return value;
        }

        using (new DisposeScope()) Step().Item();   // first use: kernels compile, optimizer state is made
        var perStep = new GpuCounters[2];
        for (int i = 0; i < perStep.Length; i++)
        {
            using var scope = new DisposeScope();
            var before = gpu.Counters;
            var value = Step();
            perStep[i] = gpu.Counters - before;
            var beforeRead = gpu.Counters;
            value.Item();
            Assert.Equal(new GpuCounters(0, 1), gpu.Counters - beforeRead);
        }

        Assert.All(perStep, c => Assert.Equal(0, c.HostSyncs));
        Assert.InRange(perStep[0].KernelLaunches, 10, 200);
        Assert.Equal(perStep[0], perStep[1]);
        TestContext.Current.SendDiagnosticMessage($"MLP 6-8-8-3 step on the emulator: {perStep[0]}");
    }

    public static TheoryData<string> StepModels => ["mlp", "mnist-cnn", "transformer"];

    // Per-step launches and syncs of the three reference models (device-independent counts, so the
    // emulator's are the GPU's); the optimizer's share is printed apart. Recorded in benchmarks/gpu/README.md
    // (before the multi-tensor optimizer step: MLP 31, MNIST CNN 61, Transformer 120 launches, optimizer 6/10/26).
    [Theory]
    [MemberData(nameof(StepModels))]
    public void TrainingStep_Counts_ForTheReferenceModels(string name)
    {
        var g = new Generator(5);
        var device = Device.GpuEmulator;
        var gpu = GpuBackend.Emulator;
        var (model, x, y) = StepModel(name, g, device);
        using var m = model;
        using var xs = x;
        using var ys = y;
        var optimizer = new AdamW(model.Parameters(), 1e-3);
        var loss = new CrossEntropyLoss();
        GpuCounters Step(out GpuCounters optimizerPart)
        {
            using var scope = new DisposeScope();
            var before = gpu.Counters;
            optimizer.ZeroGrad();
            var logits = model.Forward(xs);
            var value = loss.Forward(name == "transformer" ? logits.Reshape([-1, logits.Shape[^1]]) : logits, ys);
            value.Backward();
            var beforeStep = gpu.Counters;
            optimizer.Step();
            var after = gpu.Counters;
            optimizerPart = after - beforeStep;
            return after - before;
        }

        Step(out _);   // first use: kernels compile, optimizer state is made
        var total = Step(out var optimizerCounts);
        int parameters = model.Parameters().Count();
        Assert.Equal(0, total.HostSyncs);
        // One multi-tensor launch per 16 parameters (it was one per parameter).
        Assert.Equal(new GpuCounters((parameters + 15) / 16, 0), optimizerCounts);
        TestContext.Current.SendDiagnosticMessage($"{name} ({parameters} parameters) AdamW step on the emulator: {total}; optimizer.Step: {optimizerCounts}");
    }

    private static (DeepNet.Layers.Module Model, Tensor X, Tensor Y) StepModel(string name, Generator g, Device device)
    {
        switch (name)
        {
            case "mlp":
            {
                var mlp = Models.Mlp(6, 8, 3, g);
                mlp.To(device);
                return (mlp, Tensor.Randn([16, 6], g, device), Tensor.RandInt(0, 3, [16], g, device));
            }
            case "mnist-cnn":
            {
                var cnn = Models.MnistCnn(g);
                cnn.To(device);
                return (cnn, Tensor.Randn([1, 1, 28, 28], g, device), Tensor.RandInt(0, 10, [1], g, device));
            }
            default:
            {
                // Embedding-free encoder on [batch 2, length 4, d 8], 2 heads, 2 layers, then a 5-way head per token.
                var encoder = new DeepNet.Layers.Sequential(
                    new DeepNet.Layers.TransformerEncoder(() => new DeepNet.Layers.TransformerEncoderLayer(8, 2, 16, dropout: 0f,
                        batchFirst: true, generator: g), 2),
                    new DeepNet.Layers.Dense(8, 5, generator: g));
                encoder.To(device);
                return (encoder, Tensor.Randn([2, 4, 8], g, device), Tensor.RandInt(0, 5, [8], g, device));
            }
        }
    }

    [Fact]
    public void NllLoss_ChecksTargetsOnTheDevice_AndReportsABadOneAtTheNextRead()
    {
        var gpu = GpuBackend.Emulator;
        using var scope = new DisposeScope();
        var scores = Tensor.Randn([4, 3], new Generator(3));
        var labels = new long[] { 2, 0, -100, 1 };
        float expected = scores.LogSoftmax(1).NllLoss(Tensor.FromArray(labels)).Item();
        var logp = scores.To(Device.GpuEmulator).LogSoftmax(1);
        var before = gpu.Counters;
        var loss = logp.NllLoss(Tensor.FromArray(labels, Device.GpuEmulator));
        Assert.Equal(0, (gpu.Counters - before).HostSyncs);   // the targets are not read back
        Assert.Equal(expected, loss.Item(), 5);
        var bad = logp.NllLoss(Tensor.FromArray(new long[] { 2, 3, 0, 1 }, Device.GpuEmulator));   // queued, no throw yet
        var e = Assert.Throws<ArgumentException>(() => bad.Item());
        Assert.Contains("nll_loss: target 3 is out of range for 3 classes", e.Message);
        var fractional = logp.NllLoss(Tensor.FromArray([0f, 0.5f, 1f, 2f], Device.GpuEmulator));
        Assert.Contains("nll_loss: target 0.5 is not an integer class index", Assert.Throws<ArgumentException>(() => fractional.Item()).Message);
        Assert.Equal(expected, logp.NllLoss(Tensor.FromArray(labels, Device.GpuEmulator)).Item(), 5);   // recovered
    }

    [Fact]
    public void Counters_Subtract_AndPrint()
    {
        var d = new GpuCounters(30, 4) - new GpuCounters(10, 1);
        Assert.Equal(new GpuCounters(20, 3), d);
        Assert.Equal("20 kernel launches, 3 host syncs", d.ToString());
    }
}
