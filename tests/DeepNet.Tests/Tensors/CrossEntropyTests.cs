using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The fused cross entropy against the composite it replaces (LogSoftmax → Gather → weights,
/// smoothing and ignore mask, written here with PyTorch's rules), forward values and logit
/// gradients through the composite's autograd, for every target kind, option and reduction.
/// Written once, run on the CPU, the GPU emulator and CUDA (skipped with a reason when absent).
/// </summary>
public abstract class CrossEntropyTests
{
    private const float Tolerance = 2e-5f;
    private static readonly Reduction[] Reductions = [Reduction.Mean, Reduction.Sum, Reduction.None];

    protected abstract Device Device { get; }

    [ParityFact]
    public void Plain_MatchesComposite_ForEveryReductionAndSize()
    {
        foreach (var (n, c) in new[] { (5, 7), (1, 1), (3, 33) })
            AssertEveryReduction($"plain [{n},{c}]", [n, c], Labels(n, c), null, -100, 0f);
    }

    [ParityFact]
    public void IgnoreIndex_MatchesComposite()
    {
        AssertEveryReduction("ignore -100", [4, 5], [1, -100, 4, 0], null, -100, 0f);
        AssertEveryReduction("ignore class 2", [4, 5], [2, 3, 2, 0], null, 2, 0f);
    }

    [ParityFact]
    public void LabelSmoothing_MatchesComposite() =>
        AssertEveryReduction("smoothing", [5, 6], Labels(5, 6), null, -100, 0.2f);

    [ParityFact]
    public void ClassWeights_MatchComposite() =>
        AssertEveryReduction("weights", [5, 4], Labels(5, 4), Weights(4), -100, 0f);

    [ParityFact]
    public void WeightsSmoothingAndIgnore_MatchComposite() =>
        AssertEveryReduction("weights+smoothing+ignore", [5, 4], [3, -100, 1, 0, -100], Weights(4), -100, 0.3f);

    [ParityFact]
    public void ProbabilityTargets_MatchComposite_WithWeightsAndSmoothing()
    {
        var probabilities = RandomData.Uniform(11, [4, 5], 0f, 1f).Data;
        AssertEveryReduction("probabilities", [4, 5], probabilities, null, -100, 0f);
        AssertEveryReduction("probabilities+weights+smoothing", [4, 5], probabilities, Weights(5), -100, 0.25f);
    }

    [ParityFact]
    public void ProbabilityTargets_GetTheirOwnGradient_AsTorch()
    {
        // torch differentiates probability targets too: dL/dp_c = −w_c·(1 − ε)·log_softmax(x)_c / N.
        var logits = RandomData.Uniform(21, [3, 4]);
        var probabilities = RandomData.Uniform(22, [3, 4], 0f, 1f);
        foreach (var reduction in Reductions)
            GradCheck.Check(t => t[0].CrossEntropy(t[1], Make(Weights(4)), labelSmoothing: 0.2f, reduction: reduction), Device, logits, probabilities);
        // The logits' gradient is the fused kernel's, whether or not the target asks for one.
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(logits.Data, logits.Shape, Device).RequiresGradient();
        var p = Tensor.FromArray(probabilities.Data, probabilities.Shape, Device);
        x.CrossEntropy(p.RequiresGradient()).Backward();
        float[] withTargetGradient = x.Grad!.ToArray();
        x.ZeroGrad();
        x.CrossEntropy(p.Detach()).Backward();
        FusedTests.AssertClose(x.Grad!.ToArray(), withTargetGradient, "logits gradient", Tolerance);
    }

    [ParityFact]
    public void SpatialLogits_MatchComposite()
    {
        AssertEveryReduction("[N,C,d] weights+smoothing+ignore", [2, 3, 4], [0, 2, -100, 1, 1, 0, 2, 2], Weights(3), -100, 0.1f);
        AssertEveryReduction("[N,C,d1,d2] probabilities", [2, 3, 2, 2], RandomData.Uniform(12, [2, 3, 2, 2], 0f, 1f).Data,
            Weights(3), -100, 0.2f);
    }

    [ParityFact]
    public void TransposedLogits_MatchComposite()
    {
        float[] targets = [2, 0, 1, 3];
        var logits = RandomData.Uniform(9, [5, 4]);
        var expected = Run(t => { using var x = t.Transpose(0, 1); return Composite(x, Make(targets), null, -100, 0f, Reduction.Mean); }, logits);
        var actual = Run(t => { using var x = t.Transpose(0, 1); return x.CrossEntropy(Make(targets)); }, logits);
        AssertClose(expected, actual, "transposed");
    }

    [ParityFact]
    public void NonIntegerLabel_ThrowsNamingOpAndValue() => AssertBadLabel(0.5f, "0.5");

    [ParityFact]
    public void LabelEqualToClassCount_ThrowsNamingOpAndValue() => AssertBadLabel(3f, "3");

    [ParityFact]
    public void NegativeLabelOtherThanIgnoreIndex_ThrowsNamingOpAndValue() => AssertBadLabel(-1f, "-1");

    [ParityFact]
    public void WeightOfWrongShape_ThrowsNamingShapes()
    {
        using var scope = new DisposeScope();
        var error = Assert.Throws<ArgumentException>(() =>
            Tensor.Zeros([2, 3], Device).CrossEntropy(Make([0, 1]), Make([1, 1, 1, 1])));
        Assert.Contains("cross_entropy", error.Message);
        Assert.Contains("[4]", error.Message);
    }

    [ParityFact]
    public void ProbabilityTargetOfWrongShape_ThrowsNamingShapes()
    {
        using var scope = new DisposeScope();
        var target = Tensor.Zeros([2, 4], Device);
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3], Device).CrossEntropy(target));
        Assert.Contains("cross_entropy", error.Message);
        Assert.Contains("[2,4]", error.Message);
    }

    /// <summary>
    /// PyTorch's cross_entropy as composites: index targets (LossNLL.cpp's label-smoothing path,
    /// weighted mean over Σ w[target] of kept targets) and probability targets (mean over N·d…).
    /// </summary>
    internal static Tensor Composite(Tensor logits, Tensor target, Tensor? weight, int ignoreIndex, float eps, Reduction reduction)
    {
        int c = logits.Shape[1];
        int[] weightShape = [.. logits.Shape.ToArray().Select((s, d) => d == 1 ? s : 1)];
        var logProbs = logits.LogSoftmax(1);
        var weighted = weight is null ? logProbs : logProbs.Mul(weight.Reshape(weightShape));
        if (target.Shape == logits.Shape)
        {
            var smoothed = target.Mul(1f - eps).Add(eps / c);
            var perRow = weighted.Mul(smoothed).Sum(1).Neg();
            return Reduce(perRow, reduction, () => Tensor.Full([], perRow.Size, logits.Device));
        }
        var keep = target.Ne(ignoreIndex);
        var index = target.Mul(keep);
        var picked = logProbs.Gather(1, index.Unsqueeze(1)).Squeeze(1);
        var targetWeight = weight is null ? keep : weight.Gather(0, index.Flatten()).Reshape(target.Shape.ToArray()).Mul(keep);
        var nll = picked.Mul(targetWeight).Neg();
        var smooth = weighted.Sum(1).Neg().Mul(keep);
        var perItem = nll.Mul(1f - eps).Add(smooth.Mul(eps / c));
        return Reduce(perItem, reduction, () => targetWeight.Sum());
    }

    private static Tensor Reduce(Tensor perItem, Reduction reduction, Func<Tensor> divisor) => reduction switch
    {
        Reduction.Sum => perItem.Sum(),
        Reduction.None => perItem,
        _ => perItem.Sum().Div(divisor()),
    };

    private void AssertEveryReduction(string label, int[] shape, float[] targets, float[]? weights, int ignoreIndex, float eps)
    {
        var logits = RandomData.Uniform(shape.Sum() * 7 + targets.Length, shape, -4f, 4f);
        int[] targetShape = targets.Length == logits.Data.Length ? shape : [.. shape.Where((_, d) => d != 1)];
        foreach (var reduction in Reductions)
        {
            var expected = Run(t => Composite(t, Make(targets, targetShape), Weight(weights), ignoreIndex, eps, reduction), logits);
            var actual = Run(t => t.CrossEntropy(Make(targets, targetShape), Weight(weights), ignoreIndex, eps, reduction), logits);
            AssertClose(expected, actual, $"{label} {reduction}");
        }
    }

    private void AssertBadLabel(float label, string shown)
    {
        using var scope = new DisposeScope();
        var logits = Tensor.Zeros([2, 3], Device);
        // The CPU throws at the call; a GPU checks on the device and throws when the loss is read.
        var error = Assert.Throws<ArgumentException>(() => logits.CrossEntropy(Make([0f, label])).ToArray());
        Assert.Contains("cross_entropy", error.Message);
        Assert.Contains(shown, error.Message);
    }

    private (float[] Value, float[] Grad) Run(Func<Tensor, Tensor> f, (float[] Data, int[] Shape) logits)
    {
        using var scope = new DisposeScope();
        var leaf = Tensor.FromArray(logits.Data, logits.Shape, Device).RequiresGradient();
        var output = f(leaf);
        // A fixed non-uniform projection, so every output element's gradient is checked with its own weight.
        var projection = Enumerable.Range(0, (int)output.Size).Select(i => 0.5f + 0.25f * (i % 5)).ToArray();
        output.Mul(Tensor.FromArray(projection, output.Shape.ToArray(), Device)).Sum().Backward();
        return (output.ToArray(), leaf.Grad!.ToArray());
    }

    private static void AssertClose((float[] Value, float[] Grad) expected, (float[] Value, float[] Grad) actual, string label)
    {
        FusedTests.AssertClose(expected.Value, actual.Value, $"{label} forward", Tolerance);
        FusedTests.AssertClose(expected.Grad, actual.Grad, $"{label} gradient", Tolerance);
    }

    private Tensor Make(float[] data, int[]? shape = null) =>
        Tensor.FromArray(data, shape ?? [data.Length], Device);

    private Tensor? Weight(float[]? weights) => weights is null ? null : Make(weights);

    private static float[] Labels(int n, int c) => [.. Enumerable.Range(0, n).Select(i => (float)((i * 5 + 2) % c))];

    private static float[] Weights(int c) => [.. Enumerable.Range(0, c).Select(i => 0.5f + 0.4f * i)];
}

public sealed class CpuCrossEntropyTests : CrossEntropyTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorCrossEntropyTests : CrossEntropyTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaCrossEntropyTests : CrossEntropyTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
