using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>Dispose scopes: ownership of temporaries, nesting, moving out, detaching.</summary>
public class DisposeScopeTests
{
    [Fact]
    public void Scope_DisposesEveryTensorCreatedInside()
    {
        Tensor a, b;
        using (var scope = new DisposeScope())
        {
            a = Tensor.Ones([2]);
            b = a.Add(a).Exp();
            Assert.Equal(3, scope.Count);
        }
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
    }

    [Fact]
    public void NestedScopes_EachFreeTheirOwnTensors()
    {
        using var outer = new DisposeScope();
        var kept = Tensor.Ones([2]);
        Tensor inner;
        using (new DisposeScope())
        {
            inner = kept.Mul(2f);
        }
        Assert.True(inner.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Same(outer, DisposeScope.Current);
        Assert.Equal([1f, 1f], kept.ToArray());
    }

    [Fact]
    public void MoveToOuterScope_KeepsTheResultAliveUntilTheOuterScopeEnds()
    {
        Tensor result, temporary;
        using (var outer = new DisposeScope())
        {
            using (new DisposeScope())
            {
                temporary = Tensor.Ones([3]);
                result = temporary.Mul(4f).MoveToOuterScope();
            }
            Assert.True(temporary.IsDisposed);
            Assert.False(result.IsDisposed);
            Assert.Equal([4f, 4f, 4f], result.ToArray());
            Assert.Equal(1, outer.Count);
        }
        Assert.True(result.IsDisposed);
    }

    [Fact]
    public void MoveToOuterScope_FromTheOutermostScope_HandsOwnershipToTheCaller()
    {
        Tensor result;
        using (new DisposeScope()) result = Tensor.Ones([1]).MoveToOuterScope();
        Assert.False(result.IsDisposed);
        result.Dispose();
    }

    [Fact]
    public void DetachFromScope_SurvivesEveryScope()
    {
        Tensor kept;
        using (new DisposeScope())
        using (new DisposeScope())
            kept = Tensor.Ones([2]).DetachFromScope();
        Assert.False(kept.IsDisposed);
        Assert.Equal([1f, 1f], kept.ToArray());
        kept.Dispose();
    }

    [Fact]
    public void ViewOfATensor_KeepsStorageAliveAfterTheOriginalIsDisposed()
    {
        var x = Tensor.Arange(4);
        var view = x.Reshape(2, 2).T;
        x.Dispose();
        Assert.Equal([0f, 2f, 1f, 3f], view.ToArray());
        view.Dispose();
    }

    [Fact]
    public void Gradients_OutliveTheScopeOfTheGraph()
    {
        using var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using (new DisposeScope()) x.Mul(x).Sum().Backward();
        Assert.Equal([2f, 4f], x.Grad!.ToArray());
    }

    // Operands other than x are made once, outside every scope, so a scope counts only what the op leaves alive.
    private static Tensor Fixed(float[] data, params int[] shape) => Tensor.FromArray(data, shape).DetachFromScope();

    private static readonly Tensor Vector = Fixed([1f, 2f, 3f, 4f], 4);
    private static readonly Tensor Weight = Fixed([1f, -1f, 2f, 0.5f], 1, 1, 2, 2);
    private static readonly Tensor Bias = Fixed([0.5f], 1);
    private static readonly Tensor Ids = Fixed([1f, 3f], 2);
    private static readonly Tensor Classes = Fixed([0f, 1f, 2f, 3f], 4);
    private static readonly Tensor Ones = Fixed([1f, 1f, 1f, 1f], 4);
    private static readonly Tensor Zeros = Fixed(new float[16], 4, 4);

    private static readonly Dictionary<string, Func<Tensor, Tensor>> Composites = new()
    {
        ["softmax"] = x => x.Softmax(1),
        ["log_softmax"] = x => x.LogSoftmax(-1),
        ["mean"] = x => x.Mean(1),
        ["var"] = x => x.Var(),
        ["min"] = x => x.Min([0]),
        ["matmul_vector"] = x => x.MatMul(Vector),
        ["matmul_vector_left"] = x => Vector.MatMul(x),
        ["conv2d"] = x => x.Conv2D(Weight, Bias, padding: (1, 0)),
        ["max_pool2d"] = x => x.MaxPool2D((2, 2)),
        ["avg_pool2d"] = x => x.AvgPool2D((3, 3), (1, 1), (1, 1)),
        ["dropout"] = x => x.Dropout(0.5f, generator: new Generator(1)),
        ["embedding"] = x => Tensor.Embedding(Ids, x.Reshape(4, 4)),
        ["layer_norm"] = x => x.LayerNorm([4], Ones, Vector),
        ["cross_entropy"] = x => x.Reshape(4, 4).CrossEntropy(Classes),
        ["mse_loss"] = x => x.Reshape(4, 4).MseLoss(Zeros),
        ["stack"] = x => Tensor.Stack([x, x], 1),
        ["index_select"] = x => x.IndexSelect(3, Ids),
        ["flatten"] = x => x.Transpose(2, 3).Flatten(),
        ["randint"] = x => Tensor.RandInt(0, 3, [4], new Generator(1)),
        ["scalar_minus"] = x => 1f - x,
    };

    public static TheoryData<string> CompositeNames => [.. Composites.Keys];

    [Theory]
    [MemberData(nameof(CompositeNames))]
    public void Composite_LeavesOnlyItsResultAlive(string name)
    {
        using var data = Tensor.Arange(16);
        using var x = data.Reshape(1, 1, 4, 4);
        using var scope = new DisposeScope();
        Composites[name](x);
        Assert.Equal(1 + ViewsMadeByTheRow(name), scope.Count);
    }

    [Theory]
    [MemberData(nameof(CompositeNames))]
    public void Composite_AfterBackward_FreesEverythingTheGraphSaved(string name)
    {
        using var data = Tensor.Arange(16);
        using var x = data.Reshape(1, 1, 4, 4).RequiresGradient();
        using var scope = new DisposeScope();
        var y = Composites[name](x);
        if (!y.RequiresGrad) return;
        y.Sum().Backward();
        Assert.NotNull(x.Grad);
        Assert.Equal(2 + ViewsMadeByTheRow(name), scope.Count);
    }

    // Rows that reshape x inside the lambda leave that view alive too.
    private static int ViewsMadeByTheRow(string name) => name is "embedding" or "cross_entropy" or "mse_loss" or "flatten" ? 1 : 0;

    [Fact]
    public void ScopeOpenedInsideAForward_DoesNotFreeWhatBackwardNeeds()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f]).RequiresGradient();
        using (new DisposeScope())
        {
            Tensor y;
            using (new DisposeScope()) y = x.Exp().Mul(x).Sum().MoveToOuterScope();   // a layer's own scope
            y.Backward();
        }
        var expected = new[] { 1f, 2f, 3f }.Select(v => MathF.Exp(v) * (1 + v)).ToArray();
        Assert.Equal(expected, x.Grad!.ToArray(), new FloatTolerance(1e-4f));
    }

    [Fact]
    public void LongLivedScope_DoesNotGrow_WhenStepsDisposeTheirTensors()
    {
        using var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using var scope = new DisposeScope();
        for (int step = 0; step < 50; step++)
        {
            using (var stepScope = new DisposeScope()) x.Mul(x).Sum().Backward();
            x.ZeroGrad();
        }
        Assert.Equal(0, scope.Count);
    }

    [Fact]
    public void Run_MovesTheResultToTheEnclosingScope_AndFreesTheRest()
    {
        using var outer = new DisposeScope();
        Tensor temporary = null!;
        var result = DisposeScope.Run(() =>
        {
            temporary = Tensor.Ones([2]) * 3f;
            return temporary + 1f;
        });
        Assert.True(temporary.IsDisposed);
        Assert.Equal([4f, 4f], result.ToArray());
        Assert.Same(outer, DisposeScope.Current);
        Assert.Equal(1, outer.Count);
    }

    [Fact]
    public void Run_WithNoEnclosingScope_HandsTheResultToTheCaller()
    {
        using var result = DisposeScope.Run(() => Tensor.Ones([1]) * 2f);
        Assert.Null(DisposeScope.Current);
        Assert.Equal([2f], result.ToArray());
    }

    [Fact]
    public void Run_ReturningATensorMadeOutside_LeavesItWithItsOwner()
    {
        using var outer = new DisposeScope();
        using var kept = Tensor.Ones([1]).DetachFromScope();
        Assert.Same(kept, DisposeScope.Run(() => kept));
        Assert.False(kept.IsDisposed);
        Assert.Equal(0, outer.Count);
    }

    [Fact]
    public void Run_WhenTheBodyThrows_FreesEverythingMadeInside()
    {
        Tensor temporary = null!;
        Func<Tensor> body = () =>
        {
            temporary = Tensor.Ones([2]);
            throw new InvalidOperationException("boom");
        };
        Assert.Throws<InvalidOperationException>(() => DisposeScope.Run(body));
        Assert.True(temporary.IsDisposed);
        Assert.Null(DisposeScope.Current);
    }

    [Fact]
    public void Run_WithSeveralResults_KeepsEachOfThem()
    {
        using var outer = new DisposeScope();
        var (first, none) = DisposeScope.Run(() => (Tensor.Ones([1]) * 2f, (Tensor?)null));
        var many = DisposeScope.Run(() => new[] { Tensor.Ones([1]) + 1f, Tensor.Ones([1]) - 1f });
        Assert.Null(none);
        Assert.Equal([2f], first.ToArray());
        Assert.Equal([2f], many[0].ToArray());
        Assert.Equal([0f], many[1].ToArray());
        Assert.Equal(3, outer.Count);
    }

    private static readonly Tensor Held = Fixed([1f], 1);

    [Fact]
    public void Run_InAHotLoop_AllocatesOnlyTheScopeObject()
    {
        for (int i = 0; i < 100; i++) DisposeScope.Run(static () => Held * 1f).Dispose();   // warm the set pool and the JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) DisposeScope.Run(static () => Held);
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
        Assert.True(perCall <= 64, $"DisposeScope.Run allocated {perCall} bytes per call; its sets should come from the pool");
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * (1 + Math.Abs(a));
        public int GetHashCode(float value) => 0;
    }
}
