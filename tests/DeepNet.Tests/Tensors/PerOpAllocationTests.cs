using DeepNet.Kernels.Cpu;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The per-op fixed cost in managed bytes (issue 13): what one op or one training step allocates on
/// the calling thread once the JIT and the buffer pool are warm. Bounds sit between today's figures
/// and the ones before the per-op work (in the comments), so a regression fails and noise does not.
/// </summary>
public class PerOpAllocationTests
{
    private static long PerCall(int warm, int calls, Action body)
    {
        for (int i = 0; i < warm; i++) body();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) body();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
    }

    [Fact]
    public void TinyAdd_AllocatesOnlyTheTensorAndItsBuffer()
    {
        using var a = Tensor.Ones([16]);
        using var b = Tensor.Ones([16]);
        long perOp = PerCall(500, 2000, () => a.Add(b).Dispose());
        // Tensor (64 B) + CpuBuffer (64 B): no storage wrapper, shape arrays or closure; 208 B before.
        Assert.True(perOp <= 144, $"a 16-element add allocated {perOp} bytes per op");
    }

    [Fact]
    public void FreshDenseTensorsOfOneShape_ShareTheirShapeAndStrideArrays()
    {
        using var a = Tensor.Zeros([3, 5, 2]);
        using var b = Tensor.Ones([3, 5, 2]) * 2f;
        using var c = Tensor.Zeros([3, 5, 1]);
        Assert.Same(a.ShapeArray, b.ShapeArray);
        Assert.Same(a.Layout.Strides, b.Layout.Strides);
        Assert.Equal([10, 2, 1], a.Layout.Strides);
        Assert.Equal([3, 5, 1], c.ShapeArray);
        Assert.Equal([5, 1, 1], c.Layout.Strides);
        Assert.Equal(Enumerable.Repeat(2f, 30), b.ToArray());
    }

    [Fact]
    public void SharedShapeArrays_AreNeverTheCallersArray()
    {
        int[] shape = [4, 2];
        using var t = Tensor.Zeros(shape);
        shape[0] = 9;   // the caller's array may change afterwards
        Assert.Equal([4, 2], t.ShapeArray);
        using var u = Tensor.Zeros([4, 2]);
        Assert.Equal([4, 2], u.ShapeArray);
    }

    [Fact]
    public void MlpTrainingStep_AllocatesUnder14KB()
    {
        var g = new Generator(3);
        using var model = new Sequential(new Dense(100, 64, generator: g), new Relu(), new Dense(64, 64, generator: g), new Relu(), new Dense(64, 10, generator: g));
        using var x = Tensor.Randn([32, 100], g);
        using var y = Tensor.RandInt(0, 10, [32], g);
        using var optimizer = new Adam(model.Parameters(), 1e-3);
        var loss = new CrossEntropyLoss();
        long perStep = PerCall(30, 50, () =>
        {
            using var scope = new DisposeScope();
            optimizer.ZeroGrad();
            loss.Forward(model.Forward(x), y).Backward();
            optimizer.Step();
        });
        // 29.3 KB before the per-op work, 10.7 KB after (no parallel forks at these sizes, so this thread sees it all).
        Assert.True(perStep <= 14_000, $"an MLP training step allocated {perStep} bytes");
    }

    [Fact]
    public void ReluNode_KeepsOnlyItsOutput()
    {
        using var x = Tensor.Randn([1000], new Generator(5)).RequiresGradient();
        using var y = x.Relu();
        // y ≤ 0 exactly where x ≤ 0, so backward reads y alone and x's buffer is not held by the graph.
        Assert.Equal(4000, DeepNet.Autograd.GraphMemory.SavedBytes(y));
        y.Sum().Backward();
        var expected = x.ToArray().Select(v => v > 0 ? 1f : 0f);
        Assert.Equal(expected, x.Grad!.ToArray());
    }

    [Fact]
    public void ReluBackward_FromTheOutputAlone_KeepsTorchsNaNAndZeroRules()
    {
        using var x = Tensor.FromArray([-1f, 0f, -0f, float.NaN, 2f]).RequiresGradient();
        using var y = x.Relu();
        y.Backward(Tensor.FromArray([1f, 1f, 1f, 1f, 1f]));
        Assert.Equal([0f, 0f, 0f, 1f, 1f], x.Grad!.ToArray());   // torch: relu passes the gradient at NaN
    }

    [Fact]
    public void Buffers_AreReferenceCounted()
    {
        var buffer = CpuBackend.Instance.Allocate(8);
        Assert.False(buffer.IsShared);
        buffer.AddReference();
        Assert.True(buffer.IsShared);
        Assert.False(buffer.ReleaseReference());
        Assert.False(buffer.IsDisposed);
        Assert.True(buffer.ReleaseReference());
        Assert.True(buffer.IsDisposed);
        Assert.False(buffer.ReleaseReference());   // idempotent once freed, as Dispose
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => buffer.AddReference());
    }
}
