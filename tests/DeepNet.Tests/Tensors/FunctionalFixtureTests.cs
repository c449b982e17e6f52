using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Functional ops against libtorch (tools/FixtureGen/Fixtures.Functional.cs, Fixtures/Torch/functional.safetensors):
/// elementwise math at its edges, reductions, max/min along a dim with ties, softmax over inner dims,
/// pooling and conv arguments, movement ops and the nn composites; values and input gradients, in
/// Float32 and in Float64 from the same (float32-representable) inputs.
/// </summary>
public sealed class FunctionalFixtureTests
{
    internal const string FileName = "functional";

    internal static readonly Dictionary<string, Func<OpFixture, Tensor[]>> Cases = new()
    {
        ["pow_int_exponent"] = f => [f.In("x").Pow(f.Const("exponent"))],
        ["pow_both"] = f => [f.In("x").Pow(f.In("exponent"))],
        ["pow_scalar_3"] = f => [f.In("x").Pow(3f)],
        ["pow_scalar_2"] = f => [f.In("x").Pow(2f)],
        ["pow_scalar_0"] = f => [f.In("x").Pow(0f)],
        ["pow_scalar_neg2"] = f => [f.In("x").Pow(-2f)],
        ["pow_scalar_half"] = f => [f.In("x").Pow(0.5f)],
        ["clamp_min"] = f => [f.In("x").Clamp(min: -0.5f)],
        ["clamp_max"] = f => [f.In("x").Clamp(max: 0.75f)],
        ["clamp_both"] = f => [f.In("x").Clamp(-0.5f, 0.75f)],
        ["clamp_inverted"] = f => [f.In("x").Clamp(0.75f, -0.5f)],
        ["leaky_relu"] = f => [f.In("x").LeakyRelu(0.125f)],
        ["gelu"] = f => [f.In("x").Gelu()],
        ["gelu_tanh"] = f => [f.In("x").Gelu(GeluApproximation.Tanh)],
        ["sigmoid_large"] = f => [f.In("x").Sigmoid()],
        ["tanh_large"] = f => [f.In("x").Tanh()],
        ["where_broadcast"] = f => [Tensor.Where(f.Const("condition"), f.In("a"), f.In("b"))],
        ["maximum_ties"] = f => [f.In("a").Maximum(f.In("b"))],
        ["minimum_ties"] = f => [f.In("a").Minimum(f.In("b"))],
        ["maximum_broadcast_ties"] = f => [f.In("a").Maximum(f.In("b"))],
        ["abs_zero"] = f => [f.In("x").Abs()],
        ["sqrt"] = f => [f.In("x").Sqrt()],
        ["floor"] = f => [f.In("x").Floor()],
        ["div_broadcast"] = f => [f.In("a").Div(f.In("b"))],
        ["domain_edges"] = f => { var (x, y) = (f.In("x"), f.In("y")); return [x.Log(), x.Sqrt(), x.Div(y), x.Pow(0.5f)]; },
        ["nan_relu"] = f => [f.In("x").Relu()],
        ["nan_clamp"] = f => [f.In("x").Clamp(-0.5f, 0.5f)],
        ["nan_leaky_relu"] = f => [f.In("x").LeakyRelu(0.125f)],
        ["nan_sigmoid"] = f => [f.In("x").Sigmoid()],
        ["nan_tanh"] = f => [f.In("x").Tanh()],
        ["nan_abs"] = f => [f.In("x").Abs()],
        ["nan_gelu"] = f => [f.In("x").Gelu()],
        ["nan_maximum"] = f => [f.In("a").Maximum(f.In("b"))],
        ["nan_minimum"] = f => [f.In("a").Minimum(f.In("b"))],
        ["arithmetic_broadcast"] = f => { var (a, b) = (f.In("a"), f.In("b")); return [a.Add(b), a.Sub(b), a.Mul(b)]; },
        ["exp_log_neg"] = f => { var x = f.In("x"); return [x.Exp(), x.Log(), x.Neg()]; },
        ["relu_zero"] = f => [f.In("x").Relu()],

        ["sum_dims_keepdim"] = f => { var x = f.In("x"); return [x.Sum([0, 2], keepDim: true), x.Sum(1), x.Sum()]; },
        ["mean_dims"] = f => { var x = f.In("x"); return [x.Mean([1, 2], keepDim: true), x.Mean(0), x.Mean(-1)]; },
        ["var_dims"] = f =>
        {
            var x = f.In("x");
            return [x.Var([0, 2], unbiased: false), x.Var(1, unbiased: true, keepDim: true), x.Var(), x.Var(-1, unbiased: false, keepDim: true)];
        },
        ["var_single_element"] = f => { var x = f.In("x"); return [x.Var(1), x.Var(1, unbiased: false)]; },
        ["max_dim_ties"] = f =>
        {
            var x = f.In("x");
            var (values, indices) = x.Max(1);
            var (kept, keptIndices) = x.Max(0, keepDim: true);
            return [values, indices, kept, keptIndices];
        },
        ["min_dim_ties"] = f =>
        {
            var x = f.In("x");
            var (values, indices) = x.Min(1);
            var (kept, keptIndices) = x.Min(-2, keepDim: true);
            return [values, indices, kept, keptIndices];
        },
        ["argmax_ties"] = f => { var x = f.In("x"); return [x.ArgMax(1), x.ArgMax(0, keepDim: true)]; },
        ["amax_ties"] = f => { var x = f.In("x"); return [x.Max([1]), x.Max([0, 1]), x.Min([0], keepDim: true)]; },
        ["empty_reductions"] = f => { var x = f.In("x"); return [x.Sum(0), x.Mean(0), x.Sum(), x.Sum(1)]; },
        ["softmax_dims"] = f => { var x = f.In("x"); return [x.Softmax(0), x.Softmax(1), x.LogSoftmax(0), x.LogSoftmax(-2)]; },
        ["nan_max_dim"] = f =>
        {
            var x = f.In("x");
            var (values, indices) = x.Max(1);
            return [values, indices, x.ArgMax(1), x.ArgMax(0)];
        },
        ["nan_amax"] = f => [f.In("x").Max([1])],
        ["nan_sum_mean"] = f => { var x = f.In("x"); return [x.Sum(1), x.Mean(0)]; },
        ["softmax_all_masked_row"] = f => { var x = f.In("x"); return [x.Softmax(1), x.LogSoftmax(1)]; },
        ["softmax_masked"] = f => { var x = f.In("x"); return [x.Softmax(1), x.Softmax(0)]; },

        ["max_pool2d_ceil"] = f => [f.In("x").MaxPool2D((3, 3), (2, 2), (1, 1), ceilMode: true)],
        ["nan_max_pool2d"] = f => Pair(f.In("x").MaxPool2DWithIndices((2, 2))),
        ["max_pool2d_dilation"] = f => [f.In("x").MaxPool2D((2, 3), (1, 2), (1, 1), (2, 1), ceilMode: true)],
        ["max_pool2d_indices"] = f => Pair(f.In("x").MaxPool2DWithIndices((3, 2), (2, 2), (1, 1))),
        ["max_pool2d_indices_ceil_dilation"] = f => Pair(f.In("x").MaxPool2DWithIndices((2, 2), (2, 2), (1, 0), (2, 2), ceilMode: true)),
        ["max_pool2d_ties"] = f => Pair(f.In("x").MaxPool2DWithIndices((2, 3), (1, 2), (1, 1))),
        ["pool2d_ceil_last_window_in_padding"] = f =>
        {
            var x = f.In("x");
            return [x.MaxPool2D((2, 2), (2, 2), (1, 1), ceilMode: true), x.AvgPool2D((2, 2), (2, 2), (1, 1), ceilMode: true),
                x.AvgPool2D((2, 2), (2, 2), (1, 1), ceilMode: true, countIncludePad: false)];
        },
        ["avg_pool2d_ceil"] = f => [f.In("x").AvgPool2D((3, 3), (2, 2), (1, 1), ceilMode: true)],
        ["avg_pool2d_exclude_pad"] = f => [f.In("x").AvgPool2D((3, 2), (2, 1), (1, 1), countIncludePad: false)],
        ["avg_pool2d_ceil_exclude_pad"] = f => [f.In("x").AvgPool2D((3, 3), (2, 2), (1, 1), ceilMode: true, countIncludePad: false)],
        ["avg_pool2d_ceil_no_pad"] = f => [f.In("x").AvgPool2D((2, 2), (2, 2), ceilMode: true)],
        ["conv2d_same_pads"] = f => [f.In("x").Conv2D(f.In("weight"), f.In("bias"), padding: (1, 2))],
        ["conv2d_groups_dilation"] = f =>
            [f.In("x").Conv2D(f.In("weight"), f.In("bias"), stride: (1, 2), padding: (2, 0), dilation: (2, 1), groups: 2)],
        ["conv2d_wide_padding"] = f => [f.In("x").Conv2D(f.In("weight"), f.In("bias"), stride: (2, 1), padding: (3, 2))],
        ["conv2d_depthwise_stride"] = f => [f.In("x").Conv2D(f.In("weight"), null, stride: (2, 2), padding: (1, 1), groups: 3)],

        ["cat"] = f =>
        {
            var (a, b, c) = (f.In("a"), f.In("b"), f.In("c"));
            return [Tensor.Cat([a, b, c], 1), Tensor.Cat([b, c], -2)];
        },
        ["cat_with_empty"] = f => { var (a, b) = (f.In("a"), f.In("b")); return [Tensor.Cat([a, b, a], 1)]; },
        ["stack"] = f =>
        {
            var (a, b) = (f.In("a"), f.In("b"));
            return [Tensor.Stack([a, b], 0), Tensor.Stack([a, b, a], 2), Tensor.Stack([b, a], -2)];
        },
        ["gather_repeats"] = f => { var x = f.In("x"); return [x.Gather(1, f.Const("index")), x.Gather(0, f.Const("index0"))]; },
        ["index_select_repeats"] = f =>
        {
            var x = f.In("x");
            return [x.IndexSelect(0, f.Const("index")), x.IndexSelect(1, f.Const("index1"))];
        },
        ["narrow"] = f => { var x = f.In("x"); return [x.Narrow(1, 1, 3), x.Narrow(-1, 1, 1), x.Narrow(0, 0, 2)]; },
        ["expand_sum"] = f => { var e = f.In("x").Expand(2, 3, 4); return [e, e.Sum([0, 2])]; },
        ["slice_select_transpose"] = f =>
        {
            var x = f.In("x");
            return [x.Slice(1, 1, 5, 2), x.Slice(0, 0, 3, 2), x.Select(1, -1), x.Transpose(0, 2), x.Flatten(1), x.Unsqueeze(1).Squeeze(1)];
        },
        ["permute"] = f => { var x = f.In("x"); return [x.Permute(2, 0, 1), x.Permute(1, 2, 0).Reshape(3, 8)]; },

        ["layer_norm"] = f =>
        {
            var x = f.In("x");
            return [x.LayerNorm([3, 4], f.In("weight"), f.In("bias")), x.LayerNorm([4])];
        },
        ["layer_norm_constant_row"] = f => [f.In("x").LayerNorm([4])],
        ["batch_norm_train"] = f =>
        {
            var (runningMean, runningVar) = (f.Const("running_mean"), f.Const("running_var"));
            var y = f.In("x").BatchNorm(runningMean, runningVar, f.In("weight"), f.In("bias"), training: true, momentum: 0.125f);
            f.CheckAfter("running_mean", runningMean);
            f.CheckAfter("running_var", runningVar);
            return [y];
        },
        ["batch_norm_train_no_stats"] = f => [f.In("x").BatchNorm(null, null, training: true, momentum: 0.125f)],
        ["batch_norm_eval"] = f =>
            [f.In("x").BatchNorm(f.Const("running_mean"), f.Const("running_var"), f.In("weight"), f.In("bias"), momentum: 0.125f)],
        ["dropout_eval"] = f => { var x = f.In("x"); return [x.Dropout(0.5f, training: false), x.Dropout(1f, training: false)]; },
        ["dropout_p1"] = f => [f.In("x").Dropout(1f)],
        ["embedding_padding_idx"] = f => [Tensor.Embedding(f.Const("ids"), f.In("weight"), paddingIdx: 2)],
        ["embedding_negative_padding_idx"] = f => [Tensor.Embedding(f.Const("ids"), f.In("weight"), paddingIdx: -1)],
    };

    public static TheoryData<string, DType> Runs() => OpFixture.BothDTypes(Cases.Keys);

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Runs))]
    public void Op_MatchesTorch(string name, DType dtype) => OpFixture.RunCase(FileName, Cases, name, dtype);

    [Fact]
    public void EveryRecordedCase_IsTested() => OpFixture.AssertEveryCaseTested(FileName, Cases);

    private static Tensor[] Pair(ValuesAndIndices result) => [result.Values, result.Indices];
}

/// <summary>The same cases in Float32 on ILGPU's CPU accelerator: the GPU kernels against libtorch.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorFunctionalFixtureTests
{
    [Theory]
    [MemberData(nameof(FunctionalFixtureTests.Names), MemberType = typeof(FunctionalFixtureTests))]
    public void Op_MatchesTorch_OnTheGpuKernels(string name) =>
        OpFixture.RunCase(FunctionalFixtureTests.FileName, FunctionalFixtureTests.Cases, name, DType.Float32, Device.GpuEmulator);
}
