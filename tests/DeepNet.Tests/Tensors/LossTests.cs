using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;
using DeepNet.Tests.Layers.Losses;

namespace DeepNet.Tests.Tensors;

/// <summary>cross_entropy and mse_loss: values against double references, every reduction, gradchecks.</summary>
public class LossTests
{
    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void CrossEntropy_MatchesReference(Reduction reduction)
    {
        var (logits, _) = RandomData.Uniform(1, [3, 4], -2f, 2f);
        float[] target = [2f, 0f, 3f];
        using var scope = new DisposeScope();
        var loss = Tensor.FromArray(logits, [3, 4]).CrossEntropy(Tensor.FromArray(target), reduction: reduction);
        var perItem = Enumerable.Range(0, 3).Select(i =>
        {
            var row = logits[(i * 4)..(i * 4 + 4)].Select(v => (double)v).ToArray();
            return Math.Log(row.Sum(Math.Exp)) - row[(int)target[i]];
        }).ToArray();
        double[] expected = reduction switch { Reduction.Mean => [perItem.Average()], Reduction.Sum => [perItem.Sum()], _ => perItem };
        TensorAssert.ShapeIs(reduction == Reduction.None ? [3] : [], loss);
        TensorAssert.Close(expected, loss, abs: 1e-5);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void CrossEntropy_Backward_MatchesFiniteDifferences(Reduction reduction)
    {
        using var target = Tensor.FromArray([2f, 0f, 1f]);
        GradCheck.Check(t => t[0].CrossEntropy(target, reduction: reduction), RandomData.Uniform(2, [3, 4]));
    }

    [Fact]
    public void CrossEntropy_OverSpatialDims_Backward_MatchesFiniteDifferences()
    {
        // logits [N, C, L] against targets [N, L], as for per-pixel classification.
        using var target = Tensor.FromArray([0f, 2f, 1f, 1f, 0f, 2f], [2, 3]);
        GradCheck.Check(t => t[0].CrossEntropy(target), RandomData.Uniform(3, [2, 3, 3]));
    }

    [Fact]
    public void CrossEntropy_WithWeightsSmoothingAndIgnoreIndex_Backward_MatchesFiniteDifferences()
    {
        using var target = Tensor.FromArray([0f, -100f, 2f, 1f, 2f, 0f], [2, 3]);
        using var weight = Tensor.FromArray([0.5f, 2f, 1.5f]);
        GradCheck.Check(t => t[0].CrossEntropy(target, weight, labelSmoothing: 0.2f), RandomData.Uniform(7, [2, 3, 3]));
    }

    [Fact]
    public void CrossEntropy_WithProbabilityTargets_Backward_MatchesFiniteDifferences()
    {
        var (probabilities, shape) = RandomData.Uniform(8, [3, 4], 0f, 1f);
        using var target = Tensor.FromArray(probabilities, shape);
        using var weight = Tensor.FromArray([1f, 0.5f, 2f, 1.25f]);
        GradCheck.Check(t => t[0].CrossEntropy(target, weight, labelSmoothing: 0.1f), RandomData.Uniform(9, [3, 4]));
    }

    [Fact]
    public void CrossEntropy_OnTransposedLogits_Backward_MatchesFiniteDifferences()
    {
        using var target = Tensor.FromArray([1f, 3f]);
        GradCheck.Check(t => t[0].T.CrossEntropy(target), RandomData.Uniform(4, [4, 2]));
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void MseLoss_MatchesReference_AndBackwardMatchesFiniteDifferences(Reduction reduction)
    {
        var input = RandomData.Uniform(5, [2, 3]);
        var target = RandomData.Uniform(6, [2, 3]);
        using (var scope = new DisposeScope())
        {
            var loss = Tensor.FromArray(input.Data, input.Shape).MseLoss(Tensor.FromArray(target.Data, target.Shape), reduction);
            var perItem = input.Data.Zip(target.Data, (a, b) => ((double)a - b) * ((double)a - b)).ToArray();
            double[] expected = reduction switch { Reduction.Mean => [perItem.Average()], Reduction.Sum => [perItem.Sum()], _ => perItem };
            TensorAssert.Close(expected, loss);
        }
        GradCheck.Check(t => t[0].MseLoss(t[1].T, reduction), input, (target.Data, [3, 2]));
    }

    [Fact]
    public void UnknownReduction_Throws()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Ones([2]);
        var error = Assert.Throws<ArgumentException>(() => x.MseLoss(x, (Reduction)7));
        Assert.Contains("mse_loss", error.Message);
    }
}
