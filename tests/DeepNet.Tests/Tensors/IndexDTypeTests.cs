using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Int64 and Int32 indices through every index op and loss, against the same op on float ids;
/// Bool masks. Written once, run on the CPU, the GPU emulator and CUDA (skipped when absent).
/// </summary>
public abstract class IndexDTypeTests
{
    protected abstract Device Device { get; }

    private Tensor Ids(params long[] ids) => Tensor.FromArray(ids, Device);

    [ParityFact]
    public void Gather_IndexSelect_AndEmbedding_TakeInt64AndInt32_AsFloatIds()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(0, 12, 1, Device).Reshape(3, 4).RequiresGradient();
        var floatIndex = Tensor.FromArray([3f, 0f, 1f, 1f, 2f, 0f], [3, 2], Device);
        var int64 = Tensor.FromArray(new long[] { 3, 0, 1, 1, 2, 0 }, [3, 2], Device);
        Assert.Equal(x.Gather(1, floatIndex).ToArray(), x.Gather(1, int64).ToArray());
        Assert.Equal(x.Gather(1, floatIndex).ToArray(), x.Gather(1, int64.To(DType.Int32)).ToArray());
        x.Gather(1, int64).Sum().Backward();
        Assert.Equal([1f, 0f, 0f, 1f, 0f, 2f, 0f, 0f, 1f, 0f, 1f, 0f], x.Grad!.ToArray());
        Assert.Equal([8f, 9f, 10f, 11f, 0f, 1f, 2f, 3f], x.Detach().IndexSelect(0, Ids(2, 0)).ToArray());
        using var embedding = new Embedding(5, 3, new Generator(1));
        embedding.To(Device);
        Assert.Equal(embedding.Forward(Tensor.FromArray([4f, 0f], Device)).ToArray(), embedding.Forward(Ids(4, 0)).ToArray());
    }

    [ParityFact]
    public void Int64Index_OutOfRange_IsRefusedWithItsExactValue()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Zeros([2, 3], Device);
        var error = Assert.Throws<ArgumentException>(() =>
        {
            using var y = x.Gather(1, Tensor.FromArray(new long[] { 0, 3 }, [2, 1], Device));
            y.ToArray();
        });
        Assert.Contains("gather: index 3 is out of range for a dim of size 3", error.Message);
        using var embedding = new Embedding(5, 3);
        embedding.To(Device);
        var tokenError = Assert.Throws<ArgumentException>(() => embedding.Forward(Ids(1, 7)).ToArray());
        // On the CPU the layer names the token id; a GPU reports the gather at the next sync (GpuIndexCheck).
        Assert.Contains(Device == Device.Cpu ? "token id 7 is out of range for 5" : "index 7 is out of range", tokenError.Message);
    }

    [ParityFact]
    public void CrossEntropy_AndNllLoss_TakeInt64Targets_AsFloatTargets()
    {
        using var scope = new DisposeScope();
        var logits = Tensor.Randn([4, 3], new Generator(2), Device);
        var floats = Tensor.FromArray([2f, 0f, 1f, 2f], Device);
        var labels = Ids(2, 0, 1, 2);
        Assert.Equal(logits.CrossEntropy(floats).Item(), logits.CrossEntropy(labels).Item());
        Assert.Equal(logits.CrossEntropy(floats, ignoreIndex: 1).Item(), logits.CrossEntropy(Ids(2, 0, 1, 2), ignoreIndex: 1).Item());
        var logProbs = logits.LogSoftmax(1);
        Assert.Equal(logProbs.NllLoss(floats).Item(), logProbs.NllLoss(labels).Item(), 6);
        // The CPU refuses at the call; a GPU checks the targets on the device and reports at the next read.
        var error = Assert.Throws<ArgumentException>(() => logProbs.NllLoss(Ids(2, 0, 3, 1)).Item());
        Assert.Contains("nll_loss: target 3 is out of range for 3 classes", error.Message);
        var loss = new CrossEntropyLoss();
        Assert.Equal(logits.CrossEntropy(floats).Item(), loss.Forward(logits, labels).Item());
    }

    [ParityFact]
    public void MaxAlongDim_AndArgMax_GiveInt64Indices()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(new float[,] { { 1, 5, 2 }, { 7, 0, 7 } }, Device);
        var (values, indices) = x.Max(1);
        Assert.Equal(DType.Int64, indices.DType);
        Assert.Equal([1L, 0L], indices.ToArray<long>());
        Assert.Equal([5f, 7f], values.ToArray());
        Assert.Equal([1L, 0L, 1L], x.ArgMax(0).ToArray<long>());
        Assert.Equal([0L, 1L], x.Min(1).Indices.ToArray<long>());
    }

    [ParityFact]
    public void Attention_TakesABoolMask_AsTorchDoes_TrueMeaningMayNotAttend()
    {
        using var scope = new DisposeScope();
        using var attention = new MultiHeadAttention(4, 2, batchFirst: true, generator: new Generator(6));
        attention.To(Device);
        var x = Tensor.Randn([2, 3, 4], new Generator(7), Device);
        var future = Tensor.Arange(3, DType.Int64, Device).Gt(Tensor.Arange(3, DType.Int64, Device).Reshape(3, 1));
        Assert.Equal(DType.Bool, future.DType);
        var viaBool = attention.Forward(x, x, x, null, future).ToArray();
        var viaCausal = attention.Forward(x, x, x, null, AttentionMask.Causal(3, Device)).ToArray();
        Assert.Equal(viaCausal, viaBool);
        var padding = Tensor.FromArray(new[] { false, false, true, false, false, false }, [2, 3], Device);
        var viaBoolPadding = attention.Forward(x, x, x, padding).ToArray();
        var viaBlocked = attention.Forward(x, x, x, AttentionMask.Blocked(padding.To(DType.Float32))).ToArray();
        Assert.Equal(viaBlocked, viaBoolPadding);
    }
}

public sealed class CpuIndexDTypeTests : IndexDTypeTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorIndexDTypeTests : IndexDTypeTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaIndexDTypeTests : IndexDTypeTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
