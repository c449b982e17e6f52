using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;
using DeepNet.Layers.Losses;

namespace DeepNet.Tests.Layers.Losses;

/// <summary>Losses against naive double-precision formulas, and their gradients against finite differences.</summary>
public class LossTests
{
    private const double ValueTolerance = 1e-5;

    private static readonly float[] Logits = [0.5f, -1f, 2f, 0.1f, 0.3f, 0.3f, -2f, 1.5f, 0f, 1f, -0.5f, 0.25f];
    private static readonly float[] Classes = [2f, 0f, -100f];

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void CrossEntropy_WithSmoothingAndIgnoreIndex_MatchesNaive(Reduction reduction)
    {
        using var scope = new DisposeScope();
        var loss = new CrossEntropyLoss(reduction, labelSmoothing: 0.2f, ignoreIndex: -100);
        var value = loss.Forward(Tensor.FromArray(Logits, [3, 4]), Tensor.FromArray(Classes)).ToArray();
        var perItem = new double[3];
        for (int n = 0; n < 3; n++)
        {
            if (Classes[n] == -100f) continue;
            var row = Logits.Skip(4 * n).Take(4).Select(v => (double)v).ToArray();
            double logSum = Math.Log(row.Sum(Math.Exp));
            var logProbs = row.Select(v => v - logSum).ToArray();
            perItem[n] = 0.8 * -logProbs[(int)Classes[n]] + 0.2 * -logProbs.Average();
        }
        double[] expected = reduction switch
        {
            Reduction.Mean => [perItem.Sum() / 2],   // one of three targets is ignored
            Reduction.Sum => [perItem.Sum()],
            _ => perItem,
        };
        AssertClose(expected, value);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void CrossEntropy_WithWeightsSmoothingAndIgnoreIndex_MatchesNaive(Reduction reduction)
    {
        // PyTorch: loss_n = (1−ε)·w[y]·(−log p[y]) + (ε/C)·Σ_c w[c]·(−log p[c]); mean divides by Σ w[y] over kept targets.
        using var scope = new DisposeScope();
        double[] w = [0.5, 2, 1, 3];
        var loss = new CrossEntropyLoss(reduction, labelSmoothing: 0.2f, weight: Tensor.FromArray(w.Select(v => (float)v).ToArray()));
        var value = loss.Forward(Tensor.FromArray(Logits, [3, 4]), Tensor.FromArray(Classes)).ToArray();
        var perItem = new double[3];
        double divisor = 0;
        for (int n = 0; n < 3; n++)
        {
            if (Classes[n] == -100f) continue;
            var row = Logits.Skip(4 * n).Take(4).Select(v => (double)v).ToArray();
            double logSum = Math.Log(row.Sum(Math.Exp));
            int y = (int)Classes[n];
            perItem[n] = 0.8 * w[y] * (logSum - row[y]) + 0.2 / 4 * Enumerable.Range(0, 4).Sum(c => w[c] * (logSum - row[c]));
            divisor += w[y];
        }
        double[] expected = reduction switch
        {
            Reduction.Mean => [perItem.Sum() / divisor],
            Reduction.Sum => [perItem.Sum()],
            _ => perItem,
        };
        AssertClose(expected, value);
    }

    [Fact]
    public void CrossEntropyLoss_RunsTheFusedKernel()
    {
        // What the Trainer and the samples call: its graph holds the fused node, not a LogSoftmax ladder.
        using var scope = new DisposeScope();
        var logits = Tensor.FromArray(Logits, [3, 4]).RequiresGradient();
        var loss = new CrossEntropyLoss(labelSmoothing: 0.1f).Forward(logits, Tensor.FromArray(Classes));
        var names = new List<string>();
        var pending = new Stack<DeepNet.Autograd.Function>([loss.GradFn!]);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            names.Add(node.Name);
            foreach (var edge in node.Edges) if (edge.Producer is { } producer) pending.Push(producer);
        }
        Assert.Contains("CrossEntropyBackward", names);
        Assert.DoesNotContain(names, n => n.Contains("Softmax") || n.Contains("Gather"));
    }

    [Fact]
    public void NllLoss_WithTargetOfWrongShape_ThrowsNamingShapes()
    {
        using var scope = new DisposeScope();
        var error = Assert.Throws<ArgumentException>(() => new NllLoss().Forward(Tensor.Ones([2, 3]), Tensor.Ones([3])));
        Assert.Contains("nll_loss", error.Message);
        Assert.Contains("[2,3]", error.Message);
    }

    [Fact]
    public void NllLoss_PicksNegatedLogProbabilities()
    {
        using var scope = new DisposeScope();
        var value = new NllLoss(ignoreIndex: 1).Forward(Tensor.FromArray(Logits, [3, 4]), Tensor.FromArray([2f, 1f, 3f])).Item();
        Assert.Equal(-(2f + 0.25f) / 2, value, 5);
    }

    [Fact]
    public void CrossEntropy_OnSpatialTargets_EqualsNllOfLogSoftmax()
    {
        using var scope = new DisposeScope();
        var logits = Tensor.FromArray(RandomData.Uniform(1, [2, 3, 2, 2]).Data, [2, 3, 2, 2]);
        var target = Tensor.FromArray([0f, 1f, 2f, 1f, 2f, 2f, 0f, 1f], [2, 2, 2]);
        float ce = new CrossEntropyLoss().Forward(logits, target).Item();
        float nll = new NllLoss().Forward(logits.LogSoftmax(1), target).Item();
        Assert.Equal(nll, ce, 5);
    }

    [Fact]
    public void BceWithLogits_MatchesNaive_AndStaysFiniteForLargeLogits()
    {
        using var scope = new DisposeScope();
        float[] x = [-200f, -3f, -0.5f, 0f, 0.7f, 4f, 200f];
        float[] y = [0f, 1f, 0.3f, 1f, 0f, 1f, 0f];
        var value = new BceWithLogitsLoss(Reduction.None).Forward(Tensor.FromArray(x), Tensor.FromArray(y)).ToArray();
        // log σ(x) = −log(1 + e^−x), written per sign so the reference never overflows either.
        static double LogSigmoid(double v) => v >= 0 ? -Math.Log(1 + Math.Exp(-v)) : v - Math.Log(1 + Math.Exp(v));
        var expected = x.Zip(y, (a, b) => -(b * LogSigmoid(a) + (1 - b) * LogSigmoid(-a))).ToArray();
        AssertClose(expected, value, relative: 1e-6);
    }

    [Fact]
    public void MseAndL1_MatchNaive()
    {
        using var scope = new DisposeScope();
        var p = Tensor.FromArray([1f, -2f, 3f, 0.5f], [2, 2]);
        var t = Tensor.FromArray([0f, 1f, 3.5f, -0.5f], [2, 2]);
        Assert.Equal((1 + 9 + 0.25 + 1) / 4, new MseLoss().Forward(p, t).Item(), 5);
        Assert.Equal(1 + 3 + 0.5 + 1, new L1Loss(Reduction.Sum).Forward(p, t).Item(), 5);
        Assert.Equal([1f, 3f, 0.5f, 1f], new L1Loss(Reduction.None).Forward(p, t).ToArray());
    }

    [Fact]
    public void Losses_RejectMismatchedShapes()
    {
        using var scope = new DisposeScope();
        var error = Assert.Throws<ArgumentException>(() => new MseLoss().Forward(Tensor.Ones([2, 3]), Tensor.Ones([3, 2])));
        Assert.Contains("[2,3]", error.Message);
        Assert.Throws<ArgumentException>(() => new CrossEntropyLoss().Forward(Tensor.Ones([2, 3]), Tensor.Ones([3])));
    }

    [Fact]
    public void CrossEntropy_Backward_MatchesFiniteDifferences()
    {
        using var target = Tensor.FromArray(Classes);
        GradCheck.Check(t => new CrossEntropyLoss(labelSmoothing: 0.1f).Forward(t[0], target), RandomData.Uniform(2, [3, 4]));
    }

    [Fact]
    public void Nll_Backward_MatchesFiniteDifferences()
    {
        using var target = Tensor.FromArray([1f, 3f, 0f]);
        GradCheck.Check(t => new NllLoss(Reduction.Sum).Forward(t[0], target), RandomData.Uniform(3, [3, 4]));
    }

    [Fact]
    public void BceWithLogits_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => new BceWithLogitsLoss().Forward(t[0], t[1]), RandomData.Uniform(4, [2, 3], -3f, 3f), RandomData.Uniform(5, [2, 3], 0f, 1f));

    [Fact]
    public void Mse_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => new MseLoss(Reduction.None).Forward(t[0], t[1]), RandomData.Uniform(6, [2, 3]), RandomData.Uniform(7, [2, 3]));

    [Fact]
    public void L1_Backward_MatchesFiniteDifferences() =>
        // Inputs at least 0.5 apart, away from |·|'s kink at 0.
        GradCheck.Check(t => new L1Loss().Forward(t[0], t[1]), RandomData.Uniform(8, [2, 3], 0.5f, 1f), RandomData.Uniform(9, [2, 3], -1f, -0.5f));

    private static void AssertClose(double[] expected, float[] actual, double relative = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = ValueTolerance + relative * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]:G8}, got {actual[i]:G8}");
        }
    }
}
