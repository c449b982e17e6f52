using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>Views and data movement: values, view semantics (no copy) and a gradcheck per op.</summary>
public class MovementTests
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Views = new()
    {
        ["reshape"] = x => x.Reshape(4, -1),
        ["reshape_of_transposed"] = x => x.Transpose(0, 2).Reshape(-1, 6),
        ["view"] = x => x.View(24),
        ["permute"] = x => x.Permute(2, 0, 1),
        ["transpose"] = x => x.Transpose(-1, 0),
        ["narrow"] = x => x.Narrow(2, 1, 2),
        ["slice_step"] = x => x.Slice(1, 0, 3, 2),
        ["slice_negative"] = x => x.Slice(-1, -3, -1),
        ["select"] = x => x.Select(1, -1),
        ["squeeze"] = x => x.Narrow(1, 1, 1).Squeeze(),
        ["squeeze_dim"] = x => x.Narrow(0, 0, 1).Squeeze(0),
        ["unsqueeze"] = x => x.Unsqueeze(1),
        ["unsqueeze_last"] = x => x.Transpose(0, 1).Unsqueeze(-1),
        ["expand"] = x => x.Narrow(1, 0, 1).Expand(3, 2, 3, 4),
        ["flatten"] = x => x.Flatten(),
        ["flatten_range"] = x => x.Permute(1, 0, 2).Flatten(1, 2),
        ["contiguous"] = x => x.Transpose(0, 1).Contiguous(),
        ["clone"] = x => x.Clone(),
    };

    public static TheoryData<string> ViewNames => [.. Views.Keys];

    [Theory]
    [MemberData(nameof(ViewNames))]
    public void View_Backward_MatchesFiniteDifferences(string name) =>
        GradCheck.Check(t => Views[name](t[0]).Mul(t[0].Sum()), RandomData.Uniform(1, [2, 3, 4]));

    [Fact]
    public void Views_ShareStorage_WithoutCopying()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Zeros([2, 3]);
        var t = x.Transpose(0, 1);
        var row = t.Select(0, 1);
        row.Fill(5f);
        Assert.Equal([0f, 5f, 0f, 0f, 5f, 0f], x.ToArray());
        Assert.False(t.IsContiguous);
        Assert.True(t.Contiguous().IsContiguous);
    }

    [Fact]
    public void ViewValues_MatchIndexArithmetic()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        Assert.Equal([0f, 12f, 4f, 16f, 8f, 20f], x.Select(2, 0).Transpose(0, 1).ToArray());
        Assert.Equal([1f, 2f, 5f, 6f, 9f, 10f], x.Select(0, 0).Narrow(1, 1, 2).ToArray());
        Assert.Equal([0f, 2f, 8f, 10f], x.Select(0, 0).Slice(0, 0, 3, 2).Slice(1, 0, 4, 2).ToArray());
        Assert.Equal([3f, 7f, 11f], x.Select(0, 0).Select(1, -1).ToArray());
        TensorAssert.ShapeIs([2, 1, 3, 4, 1], x.Unsqueeze(1).Unsqueeze(-1));
        TensorAssert.ShapeIs([2, 12], x.Flatten(1));
        TensorAssert.ShapeIs([1], Tensor.Scalar(3f).Flatten());
        var e = Tensor.FromArray([1f, 2f], [2, 1]).Expand(2, 2, 3);
        Assert.Equal([1f, 1f, 1f, 2f, 2f, 2f, 1f, 1f, 1f, 2f, 2f, 2f], e.ToArray());
        Assert.Equal([1f, 1f, 1f, 2f, 2f, 2f], Tensor.FromArray([1f, 2f], [2, 1]).Expand(-1, 3).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Cat_Backward_MatchesFiniteDifferences(int dim)
    {
        int[] aShape = [2, 3], bShape = [2, 3];
        int d = dim < 0 ? dim + 2 : dim;
        bShape[d] = 1;
        GradCheck.Check(t => Tensor.Cat([t[0], t[1], t[0].Mul(2f)], dim), RandomData.Uniform(2, aShape), RandomData.Uniform(3, bShape));
    }

    [Fact]
    public void Cat_OfNonContiguousParts_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => Tensor.Cat([t[0].T, t[1].Slice(0, 0, 4, 2)], 0), RandomData.Uniform(4, [3, 2]), RandomData.Uniform(5, [4, 3]));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Stack_Backward_MatchesFiniteDifferences(int dim) =>
        GradCheck.Check(t => Tensor.Stack([t[0], t[1].T, t[0]], dim), RandomData.Uniform(6, [2, 3]), RandomData.Uniform(7, [3, 2]));

    [Fact]
    public void Stack_AddsANewDim()
    {
        using var scope = new DisposeScope();
        var y = Tensor.Stack([Tensor.FromArray([1f, 2f]), Tensor.FromArray([3f, 4f])], 1);
        TensorAssert.ShapeIs([2, 2], y);
        Assert.Equal([1f, 3f, 2f, 4f], y.ToArray());
    }

    [Fact]
    public void Gather_PicksAlongADim()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal([3f, 1f, 4f, 4f], x.Gather(1, Tensor.FromArray(new float[,] { { 2, 0 }, { 0, 0 } })).ToArray());
        Assert.Equal([4f, 2f, 6f], x.Gather(0, Tensor.FromArray(new float[,] { { 1, 0, 1 } })).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Gather_Backward_MatchesFiniteDifferences(int dim)
    {
        using var index = Tensor.FromArray(new float[,] { { 1, 0, 1 }, { 1, 1, 0 } });
        GradCheck.Check(t => t[0].Gather(dim, index), RandomData.Uniform(8, [2, 3]));
        GradCheck.Check(t => t[0].T.Gather(dim, index), RandomData.Uniform(9, [3, 2]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void IndexSelect_Backward_MatchesFiniteDifferences(int dim)
    {
        using var index = Tensor.FromArray([2f, 0f, 2f, 1f]);
        GradCheck.Check(t => t[0].IndexSelect(dim, index), RandomData.Uniform(10, [3, 3]));
        GradCheck.Check(t => t[0].Permute(1, 0).IndexSelect(dim, index), RandomData.Uniform(11, [3, 3]));
    }

    [Fact]
    public void IndexSelect_PicksWholeSlices()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Arange(6).Reshape(2, 3);
        Assert.Equal([2f, 0f, 5f, 3f], x.IndexSelect(1, Tensor.FromArray([2f, 0f])).ToArray());
        Assert.Equal([3f, 4f, 5f, 3f, 4f, 5f], x.IndexSelect(0, Tensor.FromArray([1f, 1f])).ToArray());
    }

    [Fact]
    public void Gather_WithAnOutOfRangeIndex_Throws()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Ones([2, 3]);
        var error = Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.FromArray(new float[,] { { 3 }, { 0 } })));
        Assert.Contains("gather", error.Message);
    }
}
