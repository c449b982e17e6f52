using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

public class CompositeSmokeTests
{
    [Fact]
    public void Conv2D_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].Conv2D(t[1], t[2], stride: (2, 1), padding: (1, 1)),
            RandomData.Uniform(1, [2, 2, 5, 4]), RandomData.Uniform(2, [3, 2, 3, 2]), RandomData.Uniform(3, [3]));

    [Fact]
    public void MaxPool2D_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].MaxPool2D((2, 2)), RandomData.Uniform(4, [1, 2, 4, 5]));

    [Fact]
    public void CrossEntropy_Backward_MatchesFiniteDifferences()
    {
        using var target = Tensor.FromArray([2f, 0f, 1f]);
        GradCheck.Check(t => t[0].CrossEntropy(target), RandomData.Uniform(5, [3, 4]));
    }

    [Fact]
    public void MatMul_BatchedBroadcast_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].MatMul(t[1].Transpose(0, 1)), RandomData.Uniform(6, [2, 3, 4]), RandomData.Uniform(7, [5, 4]));

    [Fact]
    public void LayerNorm_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].LayerNorm([4], t[1], t[2]),
            RandomData.Uniform(8, [3, 4]), RandomData.Uniform(9, [4]), RandomData.Uniform(10, [4]));

    [Fact]
    public void Softmax_RowsSumToOne()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(RandomData.Uniform(11, [3, 5]).Data, [3, 5]).Mul(10f);
        var sums = x.Softmax(1).Sum(1).ToArray();
        Assert.All(sums, s => Assert.Equal(1f, s, 5));
    }

    [Fact]
    public void ToString_LooksLikePyTorch()
    {
        using var x = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.Equal("tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], size=[2,2])", x.ToString());
    }
}
