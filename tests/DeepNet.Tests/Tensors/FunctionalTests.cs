using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The functional forms a PyTorch user reaches for: torch.max/min along a dim, F.linear,
/// F.nll_loss, F.binary_cross_entropy_with_logits, F.batch_norm, against references in double
/// and finite differences. Values quoted from PyTorch 2.x are marked.
/// </summary>
public class FunctionalTests
{
    [Fact]
    public void MaxAlongDim_ReturnsValuesAndFirstIndices_AndRoutesTheGradientToThatIndexOnly()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 5f, 5f, -2f, 0f, -7f], [2, 3]).RequiresGradient();
        var (values, indices) = x.Max(1);
        Assert.Equal([5f, 0f], values.ToArray());
        Assert.Equal([1L, 1L], indices.ToArray<long>());
        values.Sum().Backward();
        // torch.max(x, 1) gives the whole gradient to the selected element; amax would split the tie.
        Assert.Equal([0f, 1f, 0f, 0f, 1f, 0f], x.Grad!.ToArray());
        var kept = x.Max(0, keepDim: true);
        TensorAssert.ShapeIs([1, 3], kept.Values);
        Assert.Equal([0L, 0L, 0L], kept.Indices.ToArray<long>());
    }

    [Fact]
    public void MinAlongDim_ReturnsValuesAndFirstIndices()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([3f, -1f, -1f, 4f, 2f, 8f], [2, 3]);
        var (values, indices) = x.Min(-1);
        Assert.Equal([-1f, 2f], values.ToArray());
        Assert.Equal([1L, 1L], indices.ToArray<long>());
        GradCheck.Check(t => t[0].Min(1).Values, RandomData.Distinct(5, [3, 4]));
    }

    [Fact]
    public void Linear_MatchesMatMulPlusBias_ForBatchedInput_AndChecksShapes()
    {
        GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]),
            RandomData.Uniform(1, [2, 3, 4]), RandomData.Uniform(2, [5, 4]), RandomData.Uniform(3, [5]));
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f], [1, 2]);
        var w = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 1f], [3, 2]);
        var b = Tensor.FromArray([0.5f, 0f, -3f], [3]);
        Assert.Equal([1.5f, 2f, 0f], Tensor.Linear(x, w, b).ToArray());
        Assert.Equal([1f, 2f, 3f], Tensor.Linear(x, w).ToArray());
        var error = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, w.T));
        Assert.Contains("linear", error.Message);
        Assert.Contains("[2, 3]", error.Message.Replace("[2,3]", "[2, 3]"));
    }

    [Fact]
    public void NllLoss_OfLogSoftmax_EqualsCrossEntropy_WithWeightsAndIgnoreIndex()
    {
        using var scope = new DisposeScope();
        var (data, shape) = RandomData.Uniform(7, [4, 3, 2], -2f, 2f);
        var logits = Tensor.FromArray(data, shape);
        var target = Tensor.FromArray([0f, 2f, -100f, 1f, 2f, 2f, 1f, 0f], [4, 2]);
        var weight = Tensor.FromArray([0.2f, 1f, 3f], [3]);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            var expected = logits.CrossEntropy(target, weight, reduction: reduction).ToArray();
            var actual = logits.LogSoftmax(1).NllLoss(target, weight, reduction: reduction).ToArray();
            TensorAssert.Close(expected, actual, abs: 1e-5);
        }
        GradCheck.Check(t => t[0].NllLoss(target, weight), (data, shape));
    }

    [Fact]
    public void NllLoss_RefusesFractionalAndOutOfRangeTargets_NamingThem()
    {
        using var scope = new DisposeScope();
        var input = Tensor.Zeros([2, 3]);
        var fractional = Assert.Throws<ArgumentException>(() => input.NllLoss(Tensor.FromArray([0f, 0.5f], [2])));
        Assert.Contains("0.5", fractional.Message);
        Assert.Contains("not an integer", fractional.Message);
        var outOfRange = Assert.Throws<ArgumentException>(() => input.NllLoss(Tensor.FromArray([3f, 0f], [2])));
        Assert.Contains("3 classes", outOfRange.Message);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_MatchesReference_WithWeightAndPosWeight()
    {
        using var scope = new DisposeScope();
        float[] x = [-30f, -1.5f, 0f, 0.3f, 2f, 40f], y = [0f, 1f, 0.5f, 1f, 0f, 1f];
        float[] w = [1f, 2f, 0.5f], pw = [3f, 1f, 0.25f];
        var logits = Tensor.FromArray(x, [2, 3]);
        var target = Tensor.FromArray(y, [2, 3]);
        var loss = logits.BinaryCrossEntropyWithLogits(target, Tensor.FromArray(w, [3]), Tensor.FromArray(pw, [3]), Reduction.None);
        static double Softplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        var expected = x.Select((v, i) => w[i % 3] * (pw[i % 3] * y[i] * Softplus(-v) + (1 - y[i]) * Softplus(v))).ToArray();
        TensorAssert.Close(expected, loss, abs: 1e-5);
        // PyTorch: F.binary_cross_entropy_with_logits(tensor([0.]), tensor([1.])) = 0.6931, grad −0.5.
        var zero = Tensor.Zeros([1]).RequiresGradient();
        zero.BinaryCrossEntropyWithLogits(Tensor.Ones([1])).Backward();
        Assert.Equal(-0.5f, zero.Grad!.Item(), 5);
        GradCheck.Check(t => t[0].BinaryCrossEntropyWithLogits(target, posWeight: Tensor.FromArray(pw, [3])),
            RandomData.Uniform(8, [2, 3], -3f, 3f));
    }

    [Fact]
    public void BatchNorm_Functional_TrainingMovesRunningStats_EvalUsesThem()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 10f, 3f, 20f, 5f, 60f], [3, 2]);
        var mean = Tensor.Zeros([2]);
        var variance = Tensor.Ones([2]);
        var y = x.BatchNorm(mean, variance, training: true, momentum: 0.5f, eps: 0f);
        // channel 0: mean 3, biased var 8/3, unbiased 4.
        Assert.Equal(-2f / MathF.Sqrt(8f / 3f), y.ToArray()[0], 4);
        Assert.Equal([1.5f, 15f], mean.ToArray());
        Assert.Equal(0.5f + 0.5f * 4f, variance.ToArray()[0], 4);
        var eval = x.BatchNorm(mean, variance, Tensor.Full([2], 2f), Tensor.Full([2], 1f), eps: 0f);
        Assert.Equal((1f - 1.5f) / MathF.Sqrt(2.5f) * 2f + 1f, eval.ToArray()[0], 4);
        Assert.Throws<ArgumentException>(() => x.BatchNorm(null, null));
        GradCheck.Check(t => t[0].BatchNorm(null, null, t[1], t[2], training: true),
            RandomData.Uniform(9, [4, 2, 3]), RandomData.Uniform(10, [2]), RandomData.Uniform(11, [2]));
    }

    [Fact]
    public void BatchNormLayer_TracksBatches_AndMomentumNullIsACumulativeAverage()
    {
        using var scope = new DisposeScope();
        using var norm = new BatchNorm1D(1, momentum: null);
        Assert.Contains("num_batches_tracked", norm.StateDict().Keys);
        float[] batchMeans = [2f, 4f, 9f];
        foreach (float m in batchMeans) norm.Forward(Tensor.FromArray([m - 1f, m + 1f], [2, 1]));
        Assert.Equal(3f, norm.NumBatchesTracked.Item());
        Assert.Equal(5f, norm.RunningMean.Item(), 5);          // (2 + 4 + 9) / 3
        norm.Eval().Forward(Tensor.Zeros([2, 1]));
        Assert.Equal(3f, norm.NumBatchesTracked.Item());       // eval does not count
    }

    [Fact]
    public void GeluTanh_MatchesTorch_AsOpAndLayer()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([-3f, -0.5f, 1f, 2.5f], [4]);
        // PyTorch: F.gelu(x, approximate='tanh') = [-0.0036374, -0.1542859, 0.8411920, 2.4849157].
        TensorAssert.Close([-0.0036374, -0.1542859, 0.8411920, 2.4849157], x.Gelu(GeluApproximation.Tanh), abs: 2e-6);
        using var layer = new Gelu(GeluApproximation.Tanh);
        TensorAssert.Close([-0.0036374, -0.1542859, 0.8411920, 2.4849157], layer.Forward(x), abs: 2e-6);
        Assert.Equal(0.8413447f, x.Gelu().ToArray()[2], 5);
    }

    [Fact]
    public void Clamp_WithNoBound_Throws()
    {
        using var x = Tensor.Zeros([2]);
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => x.Clamp()).Message);
    }
}
