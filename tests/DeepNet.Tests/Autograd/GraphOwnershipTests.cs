using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Autograd;

/// <summary>
/// The one ownership rule: what backward needs belongs to the graph node, freed by backward or
/// when the last tensor holding the graph is disposed; no scope, inner or outer, owns it.
/// A leaf's storage is exclusive again exactly when no node keeps an alias of it.
/// </summary>
public class GraphOwnershipTests
{
    [Fact]
    public void ScopeInsideAComposite_WithNoOuterScope_GivesCorrectGradients()
    {
        using var x = Tensor.FromArray([0.5f, -1f, 2f]).RequiresGradient();
        Assert.Null(DisposeScope.Current);
        using var y = DisposeScope.Run(() => (x.Exp() * x).Sum());   // the inner scope frees Exp's output before backward
        y.Backward();
        var expected = new[] { 0.5f, -1f, 2f }.Select(v => MathF.Exp(v) * (1 + v)).ToArray();
        Assert.Equal(expected, x.Grad!.ToArray(), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void NestedCompositeScopes_WithNoOuterScope_GiveSoftmaxGradients()
    {
        using var x = Tensor.FromArray([0.1f, 0.7f, -0.3f]).RequiresGradient();
        using var weights = Tensor.FromArray([1f, 0f, 0f]);
        using var y = DisposeScope.Run(() => (x.Softmax(0) * weights).Sum());
        y.Backward();
        var s = Softmax([0.1f, 0.7f, -0.3f]);
        var expected = s.Select((si, i) => s[0] * ((i == 0 ? 1f : 0f) - si)).ToArray();   // ∂s₀/∂xᵢ = s₀(δ₀ᵢ − sᵢ)
        Assert.Equal(expected, x.Grad!.ToArray(), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void DisposingTheLoss_WithoutBackward_FreesEverySavedAlias()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f]).RequiresGradient();
        using var w = Tensor.FromArray([0.5f, 0.5f, 0.5f]).RequiresGradient();
        var loss = DisposeScope.Run(() => ((x * w).Tanh() * x + w).Sum());
        Assert.True(x.Storage.IsShared);
        Assert.True(w.Storage.IsShared);
        loss.Dispose();
        Assert.False(x.Storage.IsShared);
        Assert.False(w.Storage.IsShared);
    }

    [Fact]
    public void DisposingTheLoss_WithoutBackward_FreesEveryIntermediateBuffer()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f]).RequiresGradient();
        var buffers = new List<DeviceBuffer>();
        Tensor Track(Tensor t)
        {
            buffers.Add(t.Storage);
            return t;
        }
        var loss = DisposeScope.Run(() => Track(Track(Track(x.Exp()).Tanh()) * x).Sum());
        Assert.Contains(buffers, b => !b.IsDisposed);   // Tanh saved its input and output, Mul its inputs
        loss.Dispose();
        Assert.All(buffers, b => Assert.True(b.IsDisposed));
    }

    [Fact]
    public void RecurrentTrainingLoop_FreesEveryGraph_OverTwentySteps()
    {
        using var gru = new Gru(3, 4, generator: new Generator(3));
        using var optimizer = new Adam(gru.Parameters(), 0.01);
        using var x = Tensor.Randn([4, 2, 3], new Generator(4));
        using var target = Tensor.Randn([4, 2, 4], new Generator(5));
        using var outer = new DisposeScope();   // catches any tensor that escapes a step
        for (int step = 0; step < 20; step++)
        {
            using (new DisposeScope())
            {
                optimizer.ZeroGrad();
                var error = gru.Forward(x) - target;
                (error * error).Mean().Backward();
                optimizer.Step();
            }
            Assert.Equal(0, outer.Count);
            // Every matmul saved a view of a weight: exclusive storage means no node outlived its step.
            Assert.All(gru.Parameters(), p => Assert.False(p.Storage.IsShared));
            Assert.False(x.Storage.IsShared);
        }
    }

    [Fact]
    public void Graph_StaysAlive_WhileAnyTensorOfItIsAlive()
    {
        using var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var hidden = x * x;
        var loss = hidden.Sum();
        hidden.Dispose();
        Assert.True(x.Storage.IsShared);   // loss still holds hidden's node
        loss.Backward();
        Assert.Equal([2f, 4f], x.Grad!.ToArray());
        loss.Dispose();
        Assert.False(x.Storage.IsShared);
    }

    [Fact]
    public void SecondBackward_AfterTheGraphWasFreed_StillFailsClearly()
    {
        using var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using var loss = DisposeScope.Run(() => (x.Exp() * x).Sum());
        loss.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("second time", error.Message);
    }

    [Fact]
    public void ChainFiveThousandDeep_FreesWithoutStackOverflow()
    {
        using var x = Tensor.FromArray([1f, 1f]).RequiresGradient();
        var y = x * x;
        for (int i = 1; i < 5000; i++)
        {
            var next = y * x;   // every node saves an alias of x
            y.Dispose();
            y = next;
        }
        Assert.True(x.Storage.IsShared);
        y.Dispose();
        Assert.False(x.Storage.IsShared);
    }

    [Fact]
    public void ChainFiveThousandDeep_BackwardThenDispose_FreesEverything()
    {
        using var x = Tensor.FromArray([1f, 1f]).RequiresGradient();
        var y = x * 1f;
        for (int i = 1; i < 5000; i++)
        {
            var next = y * x;
            y.Dispose();
            y = next;
        }
        using (var loss = y.Sum()) loss.Backward();
        y.Dispose();
        Assert.Equal([5000f, 5000f], x.Grad!.ToArray());   // y = x⁵⁰⁰⁰
        Assert.False(x.Storage.IsShared);
    }

    [Fact]
    public void TrainingLoop_LiveTensorCount_DoesNotGrow()
    {
        using var w = Tensor.FromArray([0.3f, -0.2f, 0.1f, 0.4f], [2, 2]).RequiresGradient();
        using var x = Tensor.FromArray([1f, 2f, -1f, 0.5f], [2, 2]);
        using var outer = new DisposeScope();   // catches any tensor that escapes a step
        for (int step = 0; step < 20; step++)
        {
            using (new DisposeScope())
            {
                var hidden = DisposeScope.Run(() => (x.MatMul(w).Tanh() * 0.5f).LayerNorm([2]));
                var loss = (hidden * hidden).Mean();
                loss.Backward();
            }
            using (GradMode.NoGrad()) w.AddInPlace(w.Grad!, -0.1f);
            w.ZeroGrad();
            Assert.Equal(0, outer.Count);
            Assert.False(w.Storage.IsShared);
            Assert.False(x.Storage.IsShared);
        }
    }

    private static float[] Softmax(float[] v)
    {
        var e = v.Select(a => Math.Exp(a)).ToArray();
        return e.Select(a => (float)(a / e.Sum())).ToArray();
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * (1 + Math.Abs(a));
        public int GetHashCode(float value) => 0;
    }
}
