using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FixtureGen;

// Losses for tests/DeepNet.Tests/Tensors/LossFixtureTests.cs (see OpCase for the keys): cross_entropy
// with class indices and probabilities, weights, ignore_index, label smoothing, every reduction, [N, C]
// and [N, C, d1, d2]; nll_loss whose mean divides by the weights of the kept targets;
// binary_cross_entropy_with_logits with weight and pos_weight at large logits; mse_loss.
internal static partial class Fixtures
{
    [Fixture]
    public static void Losses(FixtureFile file)
    {
        CrossEntropyCases(file);
        NllLossCases(file);
        BinaryCrossEntropyCases(file);
        MseLossCases(file);
    }

    private static readonly (string Tag, nn.Reduction Reduction)[] AllReductions =
        [("mean", nn.Reduction.Mean), ("sum", nn.Reduction.Sum), ("none", nn.Reduction.None)];

    private static Tensor ClassWeights(int classes) => rand(classes, dtype: ScalarType.Float32).to_type(ScalarType.Float64) + 0.25;

    private static void CrossEntropyCases(FixtureFile file)
    {
        foreach (var (tag, reduction) in AllReductions)
        {
            var c = Case(file, "ce_index_" + tag);
            var x = c.Randn("input", [4, 5], scale: 2);
            var t = c.Const("target", tensor(new long[] { 1, 0, 4, 1 }));
            c.Outputs(F.cross_entropy(x, t, reduction: reduction));

            // Weights, ignore_index (the default -100) and label smoothing together.
            c = Case(file, "ce_weight_ignore_smooth_" + tag);
            x = c.Randn("input", [5, 4]);
            var w = c.Const("weight", ClassWeights(4));
            t = c.Const("target", tensor(new long[] { 3, -100, 0, 2, 3 }));
            c.Outputs(F.cross_entropy(x, t, w, ignore_index: -100, reduction: reduction, label_smoothing: 0.25));

            // Probabilities as targets, with weights and smoothing; mean divides by the number of rows.
            c = Case(file, "ce_prob_" + tag);
            x = c.Randn("input", [3, 4]);
            var p = c.Const("target", rand(3, 4, dtype: ScalarType.Float32).to_type(ScalarType.Float64).softmax(1));
            w = c.Const("weight", ClassWeights(4));
            c.Outputs(F.cross_entropy(x, p, w, reduction: reduction, label_smoothing: 0.125));

            // [N, C, d1, d2] with a class id as ignore_index.
            c = Case(file, "ce_spatial_" + tag);
            x = c.Randn("input", [2, 3, 2, 3]);
            w = c.Const("weight", ClassWeights(3));
            t = c.Const("target", tensor(new long[] { 0, 1, 2, 1, 1, 0, 2, 2, 0, 1, 0, 2 }).reshape(2, 2, 3));
            c.Outputs(F.cross_entropy(x, t, w, ignore_index: 1, reduction: reduction, label_smoothing: 0.125));

            c = Case(file, "ce_spatial_prob_" + tag);
            x = c.Randn("input", [2, 3, 2, 2]);
            p = c.Const("target", rand(2, 3, 2, 2, dtype: ScalarType.Float32).to_type(ScalarType.Float64).softmax(1));
            c.Outputs(F.cross_entropy(x, p, reduction: reduction));
        }

        // Every target ignored: the mean is 0/0 = NaN in torch.
        var all = Case(file, "ce_all_ignored");
        var logits = all.Randn("input", [2, 3]);
        var ignored = all.Const("target", tensor(new long[] { -100, -100 }));
        all.Outputs(F.cross_entropy(logits, ignored), F.cross_entropy(logits, ignored, reduction: nn.Reduction.Sum));

        // Masked logits (-inf away from the target): finite loss, zero probability and gradient there.
        var masked = Case(file, "ce_masked_logits");
        var ninf = double.NegativeInfinity;
        logits = masked.Input("input", Values(0.5, ninf, 1, -2, ninf, 0.25, 3, ninf, ninf), [3, 3]);
        var picked = masked.Const("target", tensor(new long[] { 0, 2, 0 }));
        masked.Outputs(F.cross_entropy(logits, picked), F.cross_entropy(logits, picked, reduction: nn.Reduction.None));

        // Unbatched: input [C], target a 0-d index.
        var single = Case(file, "ce_unbatched");
        logits = single.Randn("input", [5]);
        var target = single.Const("target", tensor(3L));
        single.Outputs(F.cross_entropy(logits, target, label_smoothing: 0.25));
    }

    private static void NllLossCases(FixtureFile file)
    {
        foreach (var (tag, reduction) in AllReductions)
        {
            // mean: Σ −w[t]·x[n, t] over kept targets / Σ w[t] over kept targets.
            var c = Case(file, "nll_weight_ignore_" + tag);
            var x = c.Randn("input", [5, 4]);
            var w = c.Const("weight", ClassWeights(4));
            var t = c.Const("target", tensor(new long[] { 3, 2, 0, 2, 1 }));
            c.Outputs(NllLossIgnoring(x, t, w, ignoreIndex: 2, reduction));

            c = Case(file, "nll_spatial_" + tag);
            x = c.Randn("input", [2, 3, 2, 2]);
            w = c.Const("weight", ClassWeights(3));
            t = c.Const("target", tensor(new long[] { 0, 1, 2, -100, 1, 1, 0, 2 }).reshape(2, 2, 2));
            c.Outputs(NllLossIgnoring(x, t, w, ignoreIndex: -100, reduction));
        }

        // Unbatched [C] with a 0-d target; libtorch's C++ nll_loss wants a batch dim, which Python's nll_loss_nd adds the same way.
        var unbatched = Case(file, "nll_unbatched");
        var row = unbatched.Randn("input", [4]);
        var index = unbatched.Const("target", tensor(2L));
        unbatched.Outputs(F.nll_loss(row.unsqueeze(0), index.unsqueeze(0)),
            F.nll_loss(row.unsqueeze(0), index.unsqueeze(0), reduction: nn.Reduction.None).squeeze(0));

        var plain = Case(file, "nll_plain");
        var logp = plain.Randn("input", [3, 4]);
        var targets = plain.Const("target", tensor(new long[] { 0, 3, 3 }));
        plain.Outputs(F.nll_loss(logp, targets));
    }

    /// <summary>
    /// nll_loss with ignore_index, which TorchSharp 0.107's nll_loss lacks: libtorch's nll_loss on the kept
    /// rows only (class dim moved last for [N, C, d...]), which is torch's definition (ignored targets add
    /// nothing to the sum nor to the mean's Σ weight[t]); None puts zeros at the ignored positions.
    /// </summary>
    private static Tensor NllLossIgnoring(Tensor input, Tensor target, Tensor weight, long ignoreIndex, nn.Reduction reduction)
    {
        long classes = input.shape[1];
        var rows = input.dim() == 2 ? input
            : input.permute([0, .. Enumerable.Range(2, (int)input.dim() - 2).Select(d => (long)d), 1]).reshape(-1, classes);
        var flat = target.reshape(-1);
        var kept = (flat != ignoreIndex).nonzero().reshape(-1);
        var loss = F.nll_loss(rows.index_select(0, kept), flat.index_select(0, kept), weight, reduction);
        if (reduction != nn.Reduction.None) return loss;
        return zeros(flat.shape, dtype: input.dtype).index_put_(loss, kept).reshape(target.shape);
    }

    private static void BinaryCrossEntropyCases(FixtureFile file)
    {
        var logits = Values(-40, -12, -3, -0.5, 0, 0.25, 1, 2.5, 9, 20, 35, -7);
        foreach (var (tag, reduction) in AllReductions)
        {
            var c = Case(file, "bce_logits_" + tag);
            var x = c.Input("input", logits, [3, 4]);
            var y = c.Const("target", rand(3, 4, dtype: ScalarType.Float32));
            c.Outputs(F.binary_cross_entropy_with_logits(x, y, reduction: reduction));

            // weight broadcasts over rows, pos_weight is one per class (the last dim).
            c = Case(file, "bce_logits_weights_" + tag);
            x = c.Input("input", logits, [3, 4]);
            y = c.Const("target", tensor(new double[] { 1, 0, 1, 1, 0, 0.5, 1, 0, 1, 0.25, 0, 1 }).reshape(3, 4));
            var w = c.Const("weight", rand(3, 1, dtype: ScalarType.Float32) + 0.5);
            var pw = c.Const("pos_weight", tensor(new double[] { 0.5, 2, 3, 1.25 }));
            c.Outputs(F.binary_cross_entropy_with_logits(x, y, w, reduction: reduction, pos_weights: pw));
        }
    }

    private static void MseLossCases(FixtureFile file)
    {
        foreach (var (tag, reduction) in AllReductions)
        {
            var c = Case(file, "mse_" + tag);
            var x = c.Randn("input", [3, 2, 2]);
            var y = c.Randn("target", [3, 2, 2]);
            c.Outputs(F.mse_loss(x, y, reduction));
        }
    }
}
