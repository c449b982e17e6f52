using DeepNet.Autograd;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Autograd;

public class AutogradTests
{
    [Fact]
    public void Backward_OfSquareSum_GivesTwiceTheInput()
    {
        using var x = Tensor.FromArray([1f, -2f, 3f]).RequiresGradient();
        using (new DisposeScope()) x.Mul(x).Sum().Backward();
        Assert.Equal([2f, -4f, 6f], x.Grad!.ToArray());
    }

    [Fact]
    public void Gradients_AccumulateAcrossBackwardCalls_UntilZeroGrad()
    {
        using var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using (new DisposeScope()) x.Sum().Backward();
        using (new DisposeScope()) x.Mul(3f).Sum().Backward();
        Assert.Equal([4f, 4f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Backward_TwiceThroughAFreedGraph_Throws()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var y = x.Exp().Sum();
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("second time", error.Message);
    }

    [Fact]
    public void Backward_WithRetainGraph_CanRunTwice()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var y = x.Mul(x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal([4f, 8f], x.Grad!.ToArray());
    }

    [Fact]
    public void Backward_OnNonScalarWithoutGradient_Throws()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var error = Assert.Throws<InvalidOperationException>(() => x.Mul(2f).Backward());
        Assert.Contains("[2]", error.Message);
    }

    [Fact]
    public void Backward_WithExplicitGradient_WeightsTheOutputs()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        x.Mul(x).Backward(Tensor.FromArray([1f, 10f]));
        Assert.Equal([2f, 40f], x.Grad!.ToArray());
    }

    [Fact]
    public void NoGrad_RecordsNoGraph()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f]).RequiresGradient();
        Tensor y;
        using (GradMode.NoGrad()) y = x.Mul(2f);
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
        Assert.True(x.Mul(2f).RequiresGrad);
    }

    [Fact]
    public void Detach_CutsTheGraphButSharesData()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var y = x.Mul(2f);
        var d = y.Detach();
        Assert.False(d.RequiresGrad);
        Assert.Equal(y.ToArray(), d.ToArray());
    }

    [Fact]
    public void RequiresGrad_PropagatesOnlyFromInputsThatNeedIt()
    {
        using var scope = new DisposeScope();
        var a = Tensor.FromArray([1f]);
        var b = Tensor.FromArray([2f]).RequiresGradient();
        Assert.False(a.Mul(a).RequiresGrad);
        Assert.True(a.Mul(b).RequiresGrad);
    }

    [Fact]
    public void DisposingAnIntermediate_BeforeBackward_IsSafe()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var h = x.Exp();
        var y = h.Mul(h).Sum();
        h.Dispose();
        y.Backward();
        Assert.Equal(2 * MathF.Exp(2f), x.Grad!.ToArray()[0], 3);
    }

    [Fact]
    public void DisposeScope_FreesTemporariesButNotTheOuterTensors()
    {
        using var x = Tensor.FromArray([1f, 2f]);
        Tensor inner, kept;
        using (new DisposeScope())
        {
            inner = x.Mul(2f);
            kept = x.Add(1f).DetachFromScope();
        }
        Assert.True(inner.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.False(x.IsDisposed);
        kept.Dispose();
    }

    [Fact]
    public void UsingADisposedTensor_ThrowsObjectDisposed()
    {
        var x = Tensor.FromArray([1f, 2f]);
        x.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => x.Add(1f));
        Assert.Contains("[2]", error.Message);
    }

    [Fact]
    public void Broadcasting_GradientIsSummedBackToTheInputShape()
    {
        GradCheck.Check(t => t[0].Mul(t[1]), RandomData.Uniform(1, [3, 4]), RandomData.Uniform(2, [4]));
    }
}
