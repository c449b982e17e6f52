using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The process-wide default generator. It is global state, so this class runs in a collection
/// that never overlaps another test drawing from it.
/// </summary>
[Collection(GlobalGeneratorCollection.Name)]
public class GeneratorTests
{
    [Fact]
    public void ManualSeed_ReseedsTheDefaultGenerator_LikeAFreshGenerator()
    {
        using var scope = new DisposeScope();
        Generator.ManualSeed(123);
        var first = Tensor.Randn([20]).ToArray();
        var second = Tensor.Rand([20]).ToArray();
        Generator.ManualSeed(123);
        Assert.Equal(first, Tensor.Randn([20]).ToArray());
        Assert.Equal(second, Tensor.Rand([20]).ToArray());
        var fresh = new Generator(123);
        Assert.Equal(first, Tensor.Randn([20], fresh).ToArray());
    }
}
