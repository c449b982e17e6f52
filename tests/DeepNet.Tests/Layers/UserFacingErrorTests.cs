using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>Errors name the op the user called (cross_entropy, nll_loss, embedding, the failing Sequential layer), never an internal gather.</summary>
[Collection(EmulatorCollection.Name)]
public class UserFacingErrorTests
{
    public static TheoryData<string> Devices => new() { "cpu", "emulator" };

    private static Device On(string device) => device == "cpu" ? Device.Cpu : Device.GpuEmulator;

    [Theory]
    [MemberData(nameof(Devices))]
    public void CrossEntropy_NamesAnOutOfRangeAndANonIntegerLabel(string device)
    {
        using var logits = Tensor.Zeros([2, 10], On(device));
        using var tooBig = Tensor.FromArray([1f, 10f], [2], On(device));
        using var fraction = Tensor.FromArray([0.5f, 1f], [2], On(device));
        var loss = new CrossEntropyLoss();
        // On a GPU the bad target is found on the device and raised at the next read (Item), as PyTorch's device-side assert.
        Assert.StartsWith("cross_entropy: target 10 is out of range for 10 classes",
            Assert.Throws<ArgumentException>(() => loss.Forward(logits, tooBig).Item()).Message);
        Assert.StartsWith("cross_entropy: target 0.5 is not an integer class index",
            Assert.Throws<ArgumentException>(() => loss.Forward(logits, fraction).Item()).Message);
    }

    [Fact]
    public void NllLossAndEmbedding_NameTheirOwnOp()
    {
        using var logProbs = Tensor.Zeros([2, 10]);
        var nll = new NllLoss();
        Assert.StartsWith("nll_loss: target 10 is out of range for 10 classes",
            Assert.Throws<ArgumentException>(() => nll.Forward(logProbs, Tensor.FromArray([10f, 1f], [2]))).Message);
        Assert.StartsWith("nll_loss: target 0.5 is not an integer class index",
            Assert.Throws<ArgumentException>(() => nll.Forward(logProbs, Tensor.FromArray([1f, 0.5f], [2]))).Message);
        using var embedding = new Embedding(10, 4);
        Assert.StartsWith("embedding: token id 10 is out of range for 10 embeddings",
            Assert.Throws<ArgumentException>(() => embedding.Forward(Tensor.FromArray([3f, 10f], [1, 2]))).Message);
        Assert.StartsWith("embedding: token id 2.5 is not an integer token id",
            Assert.Throws<ArgumentException>(() => embedding.Forward(Tensor.FromArray([2.5f], [1]))).Message);
    }

    [Fact]
    public void Sequential_NamesTheFailingLayerAndItsInputShape()
    {
        using var model = new Sequential(new Flatten(), new Dense(784, 10), new Relu(), new Dense(20, 2));
        var error = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros([3, 1, 28, 28])));
        Assert.StartsWith("sequential: layer 3 (Dense(20→2)) failed on input of shape [3,10]:", error.Message);
        Assert.IsType<ArgumentException>(error.InnerException);
    }

    [Fact]
    public void UsingATensorItsScopeDisposed_SaysTheScopeDidIt()
    {
        Tensor escaped;
        using (new DisposeScope()) escaped = Tensor.Ones([2, 3]) * 2f;
        var error = Assert.Throws<ObjectDisposedException>(() => escaped.ToArray());
        Assert.Contains("disposed by the DisposeScope it was made in", error.Message);
        Assert.Contains("DetachFromScope", error.Message);
        var own = Tensor.Ones([2]);
        own.Dispose();
        Assert.DoesNotContain("DisposeScope", Assert.Throws<ObjectDisposedException>(() => own.ToArray()).Message);
    }
}
