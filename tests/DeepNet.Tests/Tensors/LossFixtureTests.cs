using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Losses against libtorch (tools/FixtureGen/Fixtures.Losses.cs, Fixtures/Torch/losses.safetensors):
/// cross_entropy (indices and probabilities, weight, ignore_index, label smoothing, [N, C] and
/// [N, C, d1, d2], every reduction), nll_loss, binary_cross_entropy_with_logits (weight, pos_weight,
/// large logits) and mse_loss; values and input gradients in Float32 and Float64.
/// </summary>
public sealed class LossFixtureTests
{
    internal const string FileName = "losses";

    private static readonly (string Tag, Reduction Reduction)[] Reductions =
        [("mean", Reduction.Mean), ("sum", Reduction.Sum), ("none", Reduction.None)];

    internal static readonly Dictionary<string, Func<OpFixture, Tensor[]>> Cases = Build();

    private static Dictionary<string, Func<OpFixture, Tensor[]>> Build()
    {
        var cases = new Dictionary<string, Func<OpFixture, Tensor[]>>
        {
            ["ce_all_ignored"] = f =>
            {
                var x = f.In("input");
                var t = f.Const("target");
                return [x.CrossEntropy(t), x.CrossEntropy(t, reduction: Reduction.Sum)];
            },
            ["ce_unbatched"] = f => [f.In("input").CrossEntropy(f.Const("target"), labelSmoothing: 0.25f)],
            ["ce_masked_logits"] = f =>
            {
                var (x, t) = (f.In("input"), f.Const("target"));
                return [x.CrossEntropy(t), x.CrossEntropy(t, reduction: Reduction.None)];
            },
            ["nll_plain"] = f => [f.In("input").NllLoss(f.Const("target"))],
            ["nll_unbatched"] = f =>
            {
                var (x, t) = (f.In("input"), f.Const("target"));
                return [x.NllLoss(t), x.NllLoss(t, reduction: Reduction.None)];
            },
        };
        foreach (var (tag, r) in Reductions)
        {
            cases["ce_index_" + tag] = f => [f.In("input").CrossEntropy(f.Const("target"), reduction: r)];
            cases["ce_weight_ignore_smooth_" + tag] = f =>
                [f.In("input").CrossEntropy(f.Const("target"), f.Const("weight"), ignoreIndex: -100, labelSmoothing: 0.25f, reduction: r)];
            cases["ce_prob_" + tag] = f =>
                [f.In("input").CrossEntropy(f.Const("target"), f.Const("weight"), labelSmoothing: 0.125f, reduction: r)];
            cases["ce_spatial_" + tag] = f =>
                [f.In("input").CrossEntropy(f.Const("target"), f.Const("weight"), ignoreIndex: 1, labelSmoothing: 0.125f, reduction: r)];
            cases["ce_spatial_prob_" + tag] = f => [f.In("input").CrossEntropy(f.Const("target"), reduction: r)];
            cases["nll_weight_ignore_" + tag] = f => [f.In("input").NllLoss(f.Const("target"), f.Const("weight"), ignoreIndex: 2, reduction: r)];
            cases["nll_spatial_" + tag] = f => [f.In("input").NllLoss(f.Const("target"), f.Const("weight"), reduction: r)];
            cases["bce_logits_" + tag] = f => [f.In("input").BinaryCrossEntropyWithLogits(f.Const("target"), reduction: r)];
            cases["bce_logits_weights_" + tag] = f =>
                [f.In("input").BinaryCrossEntropyWithLogits(f.Const("target"), f.Const("weight"), f.Const("pos_weight"), r)];
            cases["mse_" + tag] = f => [f.In("input").MseLoss(f.In("target"), r)];
        }
        return cases;
    }

    public static TheoryData<string, DType> Runs() => OpFixture.BothDTypes(Cases.Keys);

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Runs))]
    public void Loss_MatchesTorch(string name, DType dtype) => OpFixture.RunCase(FileName, Cases, name, dtype);

    [Fact]
    public void EveryRecordedCase_IsTested() => OpFixture.AssertEveryCaseTested(FileName, Cases);
}

/// <summary>The same cases in Float32 on ILGPU's CPU accelerator: the GPU kernels against libtorch.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorLossFixtureTests
{
    [Theory]
    [MemberData(nameof(LossFixtureTests.Names), MemberType = typeof(LossFixtureTests))]
    public void Loss_MatchesTorch_OnTheGpuKernels(string name) =>
        OpFixture.RunCase(LossFixtureTests.FileName, LossFixtureTests.Cases, name, DType.Float32, Device.GpuEmulator);
}
