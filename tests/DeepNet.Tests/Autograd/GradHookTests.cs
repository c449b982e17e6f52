using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Autograd;

public class GradHookTests
{
    [Fact]
    public void PostAccumulateGradHook_SeesTheAccumulatedGradient_OncePerAccumulation()
    {
        using var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        var seen = new List<float[]>();
        using var hook = x.RegisterPostAccumulateGradHook(t => seen.Add(t.Grad!.ToArray()));
        // x is used three times (x·2, and both sides of x·x): each use accumulates into Grad and fires the hook.
        using (new DisposeScope()) (x.Mul(2f) + x.Mul(x)).Sum().Backward();
        Assert.Equal(3, seen.Count);
        Assert.Equal([4f, 6f], seen[^1]);
    }

    [Fact]
    public void PostAccumulateGradHook_FiresInReverseOrderOfUse_AndStopsWhenDisposed()
    {
        using var a = Tensor.FromArray([1f]).RequiresGradient();
        using var b = Tensor.FromArray([2f]).RequiresGradient();
        var order = new List<string>();
        var hookA = a.RegisterPostAccumulateGradHook(_ => order.Add("a"));
        using var hookB = b.RegisterPostAccumulateGradHook(_ => order.Add("b"));
        using (new DisposeScope()) a.Mul(3f).Relu().Mul(b).Sum().Backward();
        Assert.Equal(["b", "a"], order);
        hookA.Dispose();
        using (new DisposeScope()) a.Mul(b).Sum().Backward();
        Assert.Equal(["b", "a", "b"], order);
    }

    [Fact]
    public void PostAccumulateGradHook_OnANonLeaf_Throws()
    {
        using var x = Tensor.FromArray([1f]).RequiresGradient();
        using var y = x.Mul(2f);
        var e = Assert.Throws<InvalidOperationException>(() => y.RegisterPostAccumulateGradHook(_ => { }));
        Assert.Contains("leaf", e.Message);
    }
}
