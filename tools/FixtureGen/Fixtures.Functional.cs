using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FixtureGen;

// Functional ops for tests/DeepNet.Tests/Tensors/FunctionalFixtureTests.cs (see OpCase for the keys):
// elementwise math at its edges (negative bases, 0^0, bounds, ties, saturation), reductions over dims,
// max/min along a dim with ties, softmax over inner dims, pooling and conv arguments, movement ops and
// the nn composites. Hyperparameters are float32-representable, so a Float64 run sees torch's exact values.
internal static partial class Fixtures
{
    [Fixture]
    public static void Functional(FixtureFile file)
    {
        Elementwise(file);
        Reductions(file);
        PoolingAndConv(file);
        Movement(file);
        NnComposites(file);
    }

    private static OpCase Case(FixtureFile file, string name) => new(file, name, seed: StableSeed(name));

    // A seed from the case name, so adding a case never changes the others.
    private static int StableSeed(string name)
    {
        int h = 17;
        foreach (char ch in name) h = unchecked(h * 31 + ch);
        return h & 0x7FFFFFFF;
    }

    private static Tensor Values(params double[] values) => tensor(values, dtype: ScalarType.Float64);

    private static void Elementwise(FixtureFile file)
    {
        // Integer exponents with negative and zero bases (0^0 = 1, its base gradient 0).
        var c = Case(file, "pow_int_exponent");
        var b = c.Input("x", Values(-2, -1.5, -1, 0, 0, 0, 0.5, 2, 3, -0.75, 1.25, -3), [3, 4]);
        var e = c.Const("exponent", Values(3, 2, 0, 0, 1, 2, -1, -2, 0, 1, 3, 2).reshape(3, 4));
        c.Outputs(b.pow(e));

        // Both operands with gradients: the exponent gradient is x^e·ln x, NaN for x < 0 and 0 at x = 0 with e ≥ 0.
        c = Case(file, "pow_both");
        b = c.Input("x", Values(0.5, 1.5, 2, 3, -2, 0, 0, 1), [2, 4]);
        e = c.Input("exponent", Values(2, -0.5, 1.5, 0, 2, 0, 2, 3), [2, 4]);
        c.Outputs(b.pow(e));

        foreach (var (tag, exponent) in new[] { ("3", 3.0), ("2", 2.0), ("0", 0.0), ("neg2", -2.0), ("half", 0.5) })
        {
            c = Case(file, "pow_scalar_" + tag);
            var x = c.Input("x", exponent switch
            {
                0.5 => Values(0.25, 1, 2, 4, 0.5, 9),
                -2.0 => Values(-2, -0.5, 0.25, 0.5, 1.5, -3),
                _ => Values(-2, -0.5, 0, 0.5, 1.5, -3),
            }, [2, 3]);
            c.Outputs(x.pow(exponent));
        }

        // Clamp: one-sided, both, and min > max (torch: every element becomes max); values on a bound pass the gradient.
        foreach (var (tag, lo, hi) in new (string, double?, double?)[] { ("min", -0.5, null), ("max", null, 0.75), ("both", -0.5, 0.75), ("inverted", 0.75, -0.5) })
        {
            c = Case(file, "clamp_" + tag);
            var x = c.Input("x", Values(-2, -0.5, -0.25, 0, 0.5, 0.75, 1, 3, -0.75, 0.25), [2, 5]);
            c.Outputs(x.clamp(lo is null ? null : (Scalar)lo.Value, hi is null ? null : (Scalar)hi.Value));
        }

        c = Case(file, "leaky_relu");
        var v = c.Input("x", Values(-3, -0.5, 0, 0.5, 2, -1e-3, 1e-3, 7), [2, 4]);
        c.Outputs(F.leaky_relu(v, 0.125));

        var wide = Values(-30, -10, -5, -1.5, -0.5, 0, 0.25, 1, 3, 6, 10, 30);
        c = Case(file, "gelu");
        v = c.Input("x", wide, [3, 4]);
        c.Outputs(F.gelu(v));
        c = Case(file, "gelu_tanh");
        v = c.Input("x", wide, [3, 4]);
        c.Outputs(F.gelu(v, TorchSharp.Modules.GELU.Approximate.tanh));

        var saturating = Values(-100, -50, -20, -10, -1, 0, 1, 10, 20, 50, 89, 100);
        c = Case(file, "sigmoid_large");
        v = c.Input("x", saturating, [3, 4]);
        c.Outputs(v.sigmoid());
        c = Case(file, "tanh_large");
        v = c.Input("x", saturating, [3, 4]);
        c.Outputs(v.tanh());

        c = Case(file, "where_broadcast");
        var a = c.Randn("a", [3, 4]);
        var other = c.Randn("b", [1, 4]);
        var cond = c.Const("condition", tensor(new[] { true, false, true, true, false, false, true, false, true, true, false, true }).reshape(3, 4));
        c.Outputs(where(cond, a, other));

        // Ties split the gradient in half between the operands (torch's maximum/minimum backward).
        var left = Values(1, 2, -1, 0.5, 3, 3, 0, -2);
        var right = Values(1, 1, -1, 0.75, 3, 2, 0, -2);
        c = Case(file, "maximum_ties");
        a = c.Input("a", left, [2, 4]);
        other = c.Input("b", right, [2, 4]);
        c.Outputs(maximum(a, other));
        c = Case(file, "minimum_ties");
        a = c.Input("a", left, [2, 4]);
        other = c.Input("b", right, [2, 4]);
        c.Outputs(minimum(a, other));
        c = Case(file, "maximum_broadcast_ties");
        a = c.Input("a", Values(1, 2, 3, 0, 2, 5), [2, 3]);
        other = c.Input("b", Values(1, 2, 4), [3]);
        c.Outputs(maximum(a, other));

        c = Case(file, "abs_zero");
        v = c.Input("x", Values(-2, -0.0, 0, 0.5, -0.5, 3), [2, 3]);
        c.Outputs(v.abs());

        c = Case(file, "sqrt");
        v = c.Input("x", Values(0.25, 1, 2, 9, 1e-4, 100), [2, 3]);
        c.Outputs(v.sqrt());

        c = Case(file, "floor");
        v = c.Input("x", Values(-2.5, -2, -0.5, 0, 0.5, 1, 1.75, -0.25), [2, 4]);
        c.Outputs(v.floor());

        c = Case(file, "arithmetic_broadcast");
        a = c.Randn("a", [2, 1, 4]);
        other = c.Randn("b", [3, 1]);
        c.Outputs(a + other, a - other, a * other);

        c = Case(file, "exp_log_neg");
        v = c.Input("x", Values(1e-3, 0.25, 1, 2.5, 10, 0.5), [2, 3]);
        c.Outputs(v.exp(), v.log(), -v);

        c = Case(file, "relu_zero");
        v = c.Input("x", Values(-2, -0.0, 0, 0.5, -0.5, 3), [2, 3]);
        c.Outputs(F.relu(v));

        // NaN propagates through every op; gradients at NaN follow torch's masks (relu's threshold_backward passes
        // the gradient where its output is NaN, clamp's bounds test fails, maximum's tie/less masks both fail).
        var withNan = Values(0.5, double.NaN, -1, 2, -0.25, 0, 3, -2, 1, double.NaN, -3, 0.75);
        foreach (var (tag, op) in new (string, Func<Tensor, Tensor>)[]
        {
            ("relu", t => F.relu(t)), ("clamp", t => t.clamp(-0.5, 0.5)), ("leaky_relu", t => F.leaky_relu(t, 0.125)),
            ("sigmoid", t => t.sigmoid()), ("tanh", t => t.tanh()), ("abs", t => t.abs()), ("gelu", t => F.gelu(t)),
        })
        {
            c = Case(file, "nan_" + tag);
            v = c.Input("x", withNan, [12]);
            c.Outputs(op(v));
        }
        foreach (var (tag, op) in new (string, Func<Tensor, Tensor, Tensor>)[] { ("maximum", maximum), ("minimum", minimum) })
        {
            c = Case(file, "nan_" + tag);
            a = c.Input("a", withNan, [12]);
            other = c.Input("b", Values(1, 1, double.NaN, 2, 0, 0, 5, -3, 1, 0, -3, double.NaN), [12]);
            c.Outputs(op(a, other));
        }

        // Outside the domain and at its edge: log(0) = -inf, log(<0) and sqrt(<0) NaN, sqrt'(0) = inf, x/0 = ±inf, 0/0 NaN.
        c = Case(file, "domain_edges");
        v = c.Input("x", Values(0, -1, 0.5, 2), [4]);
        other = c.Input("y", Values(0, 0, 2, -0.5), [4]);
        c.Outputs(v.log(), v.sqrt(), v / other, v.pow(0.5));

        c = Case(file, "div_broadcast");
        a = c.Randn("a", [2, 3, 4]);
        other = c.Input("b", Values(0.5, -2, 1.5, 3), [4]);
        c.Outputs(a / other);
    }

    private static void Reductions(FixtureFile file)
    {
        var c = Case(file, "sum_dims_keepdim");
        var x = c.Randn("x", [2, 3, 4]);
        c.Outputs(x.sum([0, 2], keepdim: true), x.sum([1]), x.sum());

        c = Case(file, "mean_dims");
        x = c.Randn("x", [2, 3, 4]);
        c.Outputs(x.mean([1, 2], keepdim: true), x.mean([0]), x.mean([-1], keepdim: false));

        c = Case(file, "var_dims");
        x = c.Randn("x", [3, 4, 2]);
        c.Outputs(x.var([0, 2], unbiased: false), x.var([1], unbiased: true, keepdim: true), x.var(), x.var([-1], unbiased: false, keepdim: true));

        // The unbiased variance of one element is 0/0: torch gives NaN (and NaN gradients).
        c = Case(file, "var_single_element");
        x = c.Randn("x", [3, 1, 2]);
        c.Outputs(x.var([1], unbiased: true), x.var([1], unbiased: false));

        // Ties: values on a coarse grid, so rows repeat their extremes.
        Tensor Ties(OpCase op) => op.Input("x", (randint(-2, 3, [3, 5], dtype: ScalarType.Float64) * 0.5), [3, 5]);
        c = Case(file, "max_dim_ties");
        manual_seed(3);
        x = Ties(c);
        var (values, indices) = x.max(1);
        var (keptValues, keptIndices) = x.max(0, keepdim: true);
        c.Outputs(values, indices, keptValues, keptIndices);

        c = Case(file, "min_dim_ties");
        manual_seed(4);
        x = Ties(c);
        (values, indices) = x.min(1);
        (keptValues, keptIndices) = x.min(-2, keepdim: true);
        c.Outputs(values, indices, keptValues, keptIndices);

        c = Case(file, "argmax_ties");
        manual_seed(5);
        x = Ties(c);
        c.Outputs(x.argmax(1), x.argmax(0, keepdim: true));

        // amax shares the gradient evenly between tied maxima.
        c = Case(file, "amax_ties");
        manual_seed(6);
        x = Ties(c);
        c.Outputs(x.amax([1]), x.amax([0, 1]), x.amin([0], keepdim: true));

        // NaN in reductions: max/argmax pick it (first NaN), amax returns it.
        var nanRows = Values(1, double.NaN, 3, double.NaN, 0.5, -1, 2, 2, 0, -0.5, 4, 1);
        c = Case(file, "nan_max_dim");
        x = c.Input("x", nanRows, [3, 4]);
        (values, indices) = x.max(1);
        c.Outputs(values, indices, x.argmax(1), x.argmax(0));
        c = Case(file, "nan_amax");
        x = c.Input("x", nanRows, [3, 4]);
        c.Outputs(x.amax([1]));
        c = Case(file, "nan_sum_mean");
        x = c.Input("x", nanRows, [3, 4]);
        c.Outputs(x.sum([1]), x.mean([0]));

        // Empty inputs: sums are 0, means 0/0 = NaN, as torch.
        c = Case(file, "empty_reductions");
        x = c.Randn("x", [0, 3]);
        c.Outputs(x.sum([0]), x.mean([0]), x.sum(), x.sum([1]));

        c = Case(file, "softmax_dims");
        x = c.Randn("x", [2, 3, 4], scale: 2);
        c.Outputs(x.softmax(0), x.softmax(1), x.log_softmax(0), x.log_softmax(-2));

        // -inf entries (a mask): probability 0 there, log-probability -inf, finite gradients elsewhere.
        c = Case(file, "softmax_masked");
        x = c.Input("x", Values(0.5, double.NegativeInfinity, 1, -2, double.NegativeInfinity, double.NegativeInfinity, 3, 0), [2, 4]);
        c.Outputs(x.softmax(1), x.softmax(0));

        // A row masked entirely: torch gives NaN there (0/0), the other rows as usual.
        c = Case(file, "softmax_all_masked_row");
        var ninf = double.NegativeInfinity;
        x = c.Input("x", Values(ninf, ninf, ninf, 0.5, -1, 2), [2, 3]);
        c.Outputs(x.softmax(1), x.log_softmax(1));
    }

    private static void PoolingAndConv(FixtureFile file)
    {
        var c = Case(file, "max_pool2d_ceil");
        var x = c.Randn("x", [2, 2, 6, 7]);
        c.Outputs(F.max_pool2d(x, [3, 3], [2, 2], [1, 1], ceil_mode: true));

        c = Case(file, "nan_max_pool2d");
        x = c.Input("x", Values(1, 2, double.NaN, 0, -1, 3, 0.5, 2, 1, 0, -2, double.NaN, 4, 1, 0, 2), [1, 1, 4, 4]);
        var (nanPooled, nanWhere) = F.max_pool2d_with_indices(x, [2, 2], [2, 2]);
        c.Outputs(nanPooled, nanWhere);

        c = Case(file, "max_pool2d_dilation");
        x = c.Randn("x", [1, 2, 7, 6]);
        c.Outputs(F.max_pool2d(x, [2, 3], [1, 2], [1, 1], [2, 1], ceil_mode: true));

        c = Case(file, "max_pool2d_indices");
        x = c.Randn("x", [2, 2, 5, 6]);
        var (pooled, where) = F.max_pool2d_with_indices(x, [3, 2], [2, 2], [1, 1], ceil_mode: false);
        c.Outputs(pooled, where);

        c = Case(file, "max_pool2d_indices_ceil_dilation");
        x = c.Randn("x", [1, 3, 6, 5]);
        (pooled, where) = F.max_pool2d_with_indices(x, [2, 2], [2, 2], [1, 0], [2, 2], ceil_mode: true);
        c.Outputs(pooled, where);

        // Ties inside windows: the gradient goes to torch's pick (the first maximum in window order).
        c = Case(file, "max_pool2d_ties");
        manual_seed(7);
        x = c.Input("x", randint(-1, 2, [1, 2, 4, 5], dtype: ScalarType.Float64), [1, 2, 4, 5]);
        (pooled, where) = F.max_pool2d_with_indices(x, [2, 3], [1, 2], [1, 1]);
        c.Outputs(pooled, where);

        // Ceil mode where the extra window would start in the padding: torch drops it (3 → 2 outputs).
        c = Case(file, "pool2d_ceil_last_window_in_padding");
        x = c.Randn("x", [1, 1, 3, 3]);
        c.Outputs(F.max_pool2d(x, [2, 2], [2, 2], [1, 1], ceil_mode: true), F.avg_pool2d(x, [2, 2], [2, 2], [1, 1], ceil_mode: true),
            F.avg_pool2d(x, [2, 2], [2, 2], [1, 1], ceil_mode: true, count_include_pad: false));

        c = Case(file, "avg_pool2d_ceil");
        x = c.Randn("x", [2, 2, 6, 7]);
        c.Outputs(F.avg_pool2d(x, [3, 3], [2, 2], [1, 1], ceil_mode: true));

        c = Case(file, "avg_pool2d_exclude_pad");
        x = c.Randn("x", [1, 2, 5, 6]);
        c.Outputs(F.avg_pool2d(x, [3, 2], [2, 1], [1, 1], count_include_pad: false));

        c = Case(file, "avg_pool2d_ceil_exclude_pad");
        x = c.Randn("x", [2, 1, 6, 7]);
        c.Outputs(F.avg_pool2d(x, [3, 3], [2, 2], [1, 1], ceil_mode: true, count_include_pad: false));

        c = Case(file, "avg_pool2d_ceil_no_pad");
        x = c.Randn("x", [1, 2, 5, 5]);
        c.Outputs(F.avg_pool2d(x, [2, 2], [2, 2], ceil_mode: true));

        // "Same" padding written explicitly for an odd, non-square kernel.
        c = Case(file, "conv2d_same_pads");
        x = c.Randn("x", [2, 3, 5, 6]);
        var w = c.Randn("weight", [4, 3, 3, 5], scale: 0.5);
        var bias = c.Randn("bias", [4]);
        c.Outputs(F.conv2d(x, w, bias, padding: [1, 2]));

        c = Case(file, "conv2d_groups_dilation");
        x = c.Randn("x", [2, 4, 7, 6]);
        w = c.Randn("weight", [6, 2, 2, 3], scale: 0.5);
        bias = c.Randn("bias", [6]);
        c.Outputs(F.conv2d(x, w, bias, strides: [1, 2], padding: [2, 0], dilation: [2, 1], groups: 2));

        // Padding wider than the kernel (allowed for conv, unlike pooling).
        c = Case(file, "conv2d_wide_padding");
        x = c.Randn("x", [1, 2, 3, 4]);
        w = c.Randn("weight", [3, 2, 2, 2], scale: 0.5);
        bias = c.Randn("bias", [3]);
        c.Outputs(F.conv2d(x, w, bias, strides: [2, 1], padding: [3, 2]));

        c = Case(file, "conv2d_depthwise_stride");
        x = c.Randn("x", [1, 3, 6, 6]);
        w = c.Randn("weight", [3, 1, 3, 3], scale: 0.5);
        c.Outputs(F.conv2d(x, w, null, strides: [2, 2], padding: [1, 1], groups: 3));
    }

    private static void Movement(FixtureFile file)
    {
        var c = Case(file, "cat");
        var a = c.Randn("a", [2, 1, 3]);
        var b = c.Randn("b", [2, 3, 3]);
        var d = c.Randn("c", [2, 2, 3]);
        c.Outputs(cat([a, b, d], 1), cat([b, d], -2));

        c = Case(file, "cat_with_empty");
        a = c.Randn("a", [2, 0, 3]);
        b = c.Randn("b", [2, 2, 3]);
        c.Outputs(cat([a, b, a], 1));

        c = Case(file, "stack");
        a = c.Randn("a", [2, 3]);
        b = c.Randn("b", [2, 3]);
        c.Outputs(stack([a, b], 0), stack([a, b, a], 2), stack([b, a], -2));

        c = Case(file, "gather_repeats");
        var x = c.Randn("x", [3, 4]);
        var index = c.Const("index", tensor(new long[] { 0, 0, 3, 1, 2, 2, 2, 0, 3, 1, 1, 1 }).reshape(3, 4));
        var index0 = c.Const("index0", tensor(new long[] { 2, 0, 2, 1, 1, 1, 0, 2 }).reshape(2, 4));
        c.Outputs(x.gather(1, index), x.gather(0, index0));

        c = Case(file, "index_select_repeats");
        x = c.Randn("x", [4, 3]);
        var rows = c.Const("index", tensor(new long[] { 3, 0, 3, 1, 3 }));
        var cols = c.Const("index1", tensor(new long[] { 2, 2, 0 }));
        c.Outputs(x.index_select(0, rows), x.index_select(1, cols));

        c = Case(file, "narrow");
        x = c.Randn("x", [3, 5, 2]);
        c.Outputs(x.narrow(1, 1, 3), x.narrow(-1, 1, 1), x.narrow(0, 0, 2));

        c = Case(file, "expand_sum");
        x = c.Randn("x", [3, 1]);
        var expanded = x.expand(2, 3, 4);
        c.Outputs(expanded, expanded.sum([0, 2]));

        c = Case(file, "slice_select_transpose");
        x = c.Randn("x", [3, 5, 2]);
        c.Outputs(x.slice(1, 1, 5, 2), x.slice(0, 0, 3, 2), x.select(1, -1), x.transpose(0, 2), x.flatten(1), x.unsqueeze(1).squeeze(1));

        c = Case(file, "permute");
        x = c.Randn("x", [2, 3, 4]);
        c.Outputs(x.permute(2, 0, 1), x.permute(1, 2, 0).reshape(3, 8));
    }

    private static void NnComposites(FixtureFile file)
    {
        const double eps = 9.99999974737875e-06;   // 1e-5f exactly
        var c = Case(file, "layer_norm");
        var x = c.Randn("x", [2, 3, 4], scale: 2);
        var weight = c.Randn("weight", [3, 4]);
        var bias = c.Randn("bias", [3, 4]);
        c.Outputs(F.layer_norm(x, [3, 4], weight, bias, eps), F.layer_norm(x, [4], null, null, eps));

        // A constant row has variance 0: y = 0 there, gradients finite through 1/√eps.
        c = Case(file, "layer_norm_constant_row");
        x = c.Input("x", Values(2, 2, 2, 2, 0.5, -1, 3, 0.25), [2, 4]);
        c.Outputs(F.layer_norm(x, [4], null, null, eps));

        // Training: normalised with the biased batch variance, running_var moved toward the unbiased one.
        c = Case(file, "batch_norm_train");
        x = c.Randn("x", [4, 3, 2], scale: 2);
        weight = c.Randn("weight", [3]);
        bias = c.Randn("bias", [3]);
        var runningMean = c.Const("running_mean", randn(3, dtype: ScalarType.Float32));
        var runningVar = c.Const("running_var", rand(3, dtype: ScalarType.Float32) + 0.5);
        runningMean = runningMean.clone();
        runningVar = runningVar.clone();
        var y = F.batch_norm(x, runningMean, runningVar, weight, bias, training: true, momentum: 0.125, eps: eps);
        c.After("running_mean", runningMean);
        c.After("running_var", runningVar);
        c.Outputs(y);

        c = Case(file, "batch_norm_train_no_stats");
        x = c.Randn("x", [3, 2, 2, 2]);
        c.Outputs(F.batch_norm(x, null, null, null, null, training: true, momentum: 0.125, eps: eps));

        c = Case(file, "batch_norm_eval");
        x = c.Randn("x", [2, 3, 2, 2]);
        weight = c.Randn("weight", [3]);
        bias = c.Randn("bias", [3]);
        runningMean = c.Const("running_mean", randn(3, dtype: ScalarType.Float32));
        runningVar = c.Const("running_var", rand(3, dtype: ScalarType.Float32) + 0.5);
        c.Outputs(F.batch_norm(x, runningMean, runningVar, weight, bias, training: false, momentum: 0.125, eps: eps));

        c = Case(file, "dropout_eval");
        x = c.Randn("x", [3, 4]);
        c.Outputs(F.dropout(x, 0.5, training: false), F.dropout(x, 1.0, training: false));

        // p = 1 zeroes everything (x·0), deterministically.
        c = Case(file, "dropout_p1");
        x = c.Randn("x", [3, 4]);
        c.Outputs(F.dropout(x, 1.0, training: true));

        // padding_idx: the row is looked up as usual but gets no gradient.
        // (TorchSharp has no functional embedding: nn.Embedding's forward is the same at::embedding call.)
        c = Case(file, "embedding_padding_idx");
        var table = nn.Embedding(5, 3, padding_idx: 2, dtype: ScalarType.Float64);
        using (no_grad()) table.weight!.copy_(randn(5, 3, dtype: ScalarType.Float32).to_type(ScalarType.Float64));
        c.Leaf("weight", table.weight!);
        var ids = c.Const("ids", tensor(new long[] { 1, 2, 4, 2, 0, 1 }).reshape(2, 3));
        c.Outputs(table.call(ids));

        c = Case(file, "embedding_negative_padding_idx");
        table = nn.Embedding(4, 2, padding_idx: -1, dtype: ScalarType.Float64);
        using (no_grad()) table.weight!.copy_(randn(4, 2, dtype: ScalarType.Float32).to_type(ScalarType.Float64));
        c.Leaf("weight", table.weight!);
        ids = c.Const("ids", tensor(new long[] { 3, 0, 3, 1, 2 }));
        c.Outputs(table.call(ids));
    }
}
