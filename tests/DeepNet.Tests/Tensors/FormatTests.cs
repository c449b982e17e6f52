using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>PyTorch-like ToString for every rank, summaries of large tensors, and the graph suffixes.</summary>
public class FormatTests
{
    [Fact]
    public void Scalar_PrintsItsValue()
    {
        using var x = Tensor.Scalar(3.5f);
        Assert.Equal("tensor(3.5000)", x.ToString());
    }

    [Fact]
    public void Vector_PrintsOneRow()
    {
        using var x = Tensor.FromArray([1f, -2.5f, 0f]);
        Assert.Equal("tensor([1.0000, -2.5000, 0.0000])", x.ToString());
    }

    [Fact]
    public void Matrix_AlignsRowsUnderTheFirst()
    {
        using var x = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.Equal("tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], size=[2,2])", x.ToString());
    }

    [Fact]
    public void ThreeDims_SeparateBlocksWithABlankLine()
    {
        using var x = Tensor.Arange(4);
        using var y = x.Reshape(2, 1, 2);
        Assert.Equal("tensor([[[0.0000, 1.0000]],\n\n        [[2.0000, 3.0000]]], size=[2,1,2])", y.ToString());
    }

    [Fact]
    public void TransposedView_PrintsInLogicalOrder()
    {
        using var x = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        using var t = x.T;
        Assert.Equal("tensor([[1.0000, 3.0000],\n        [2.0000, 4.0000]], size=[2,2])", t.ToString());
    }

    [Fact]
    public void LargeTensor_IsSummarizedWithEdgeItems()
    {
        using var x = Tensor.Arange(2000);
        Assert.Equal("tensor([0.0000, 1.0000, 2.0000, ..., 1997.0000, 1998.0000, 1999.0000], size=[2000])", x.ToString());
        using var m = Tensor.Arange(10000);
        using var grid = m.Reshape(100, 100);
        string s = grid.ToString();
        Assert.StartsWith("tensor([[0.0000, 1.0000, 2.0000, ..., 97.0000, 98.0000, 99.0000],\n        [100.0000,", s);
        Assert.Contains("...,\n        [9700.0000", s);
        Assert.EndsWith("9999.0000]], size=[100,100])", s);
        Assert.True(s.Length < 1000, $"summary is {s.Length} characters long");
    }

    [Fact]
    public void ExtremeValues_UseScientificNotation_AndNamedSpecials()
    {
        using var x = Tensor.FromArray([1e6f, 1e-6f, float.NaN, float.NegativeInfinity]);
        Assert.Equal("tensor([1.0000e+06, 1.0000e-06, nan, -inf])", x.ToString());
    }

    [Fact]
    public void GraphTensors_ShowGradFnOrRequiresGrad()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f]).RequiresGradient();
        Assert.EndsWith(", requires_grad=True)", x.ToString());
        Assert.EndsWith(", grad_fn=<ExpBackward>)", x.Exp().ToString());
    }

    [Fact]
    public void DisposedTensor_PrintsWithoutThrowing()
    {
        var x = Tensor.Zeros([2]);
        x.Dispose();
        Assert.Equal("tensor(<disposed>, shape=[2])", x.ToString());
    }
}
