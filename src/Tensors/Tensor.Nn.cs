using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// Neural-network ops: composites built from primitives, and the fused units (softmax, layer norm) they call.
public sealed partial class Tensor
{
    /// <summary>softmax along a dim (torch.softmax): exp(x − max) / Σ exp(x − max), one fused pass per row.</summary>
    public Tensor Softmax(int dim) => SoftmaxFunction.Apply(this, dim, log: false);

    /// <summary>log(softmax) along a dim (torch.log_softmax): x − max − log Σ exp(x − max), one fused pass per row.</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxFunction.Apply(this, dim, log: true);

    /// <summary>
    /// 2-d convolution y = act(conv(x, weight) + bias). x: [N, C, H, W], weight: [K, C/groups, R, S],
    /// bias: [K] or null → [N, K, P, Q]. Float32 with one group runs the conv2d primitive (implicit GEMM on
    /// the CPU, bias and ReLU in its epilogue); other cases run Im2Col then one batched matmul.
    /// </summary>
    public Tensor Conv2D(Tensor weight, Tensor? bias = null, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, int groups = 1, Activation activation = Activation.Identity)
    {
        if (Rank != 4 || weight.Rank != 4)
            throw new ArgumentException($"conv2d: expects input [N,C,H,W] and weight [K,C,R,S], got {Shape} and {weight.Shape}");
        int n = ShapeArray[0], c = ShapeArray[1], k = weight.ShapeArray[0];
        if (groups < 1 || c % groups != 0 || k % groups != 0 || weight.ShapeArray[1] * groups != c)
            throw new ArgumentException($"conv2d: input {Shape} and weight {weight.Shape} do not match for groups={groups}");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != k))
            throw new ArgumentException($"conv2d: bias must be [{k}], got {bias.Shape}");
        var (sh, sw) = stride ?? (1, 1);
        var (ph, pw) = padding ?? (0, 0);
        var (dh, dw) = dilation ?? (1, 1);
        var g = new Conv2DGeometry(n, c, ShapeArray[2], ShapeArray[3], weight.ShapeArray[2], weight.ShapeArray[3],
            sh, sw, ph, pw, dh, dw);
        if (sh >= 1 && sw >= 1 && (g.P < 1 || g.Q < 1))
            throw new ArgumentException($"conv2d: input {Shape} is too small for weight {weight.Shape} with stride ({sh},{sw}), padding ({ph},{pw}), dilation ({dh},{dw})");
        g.Validate("conv2d");
        if (Autocast.Lowers(this) || Autocast.Lowers(weight) || Autocast.Lowers(bias))
            return LoweredConv2D(weight, bias, stride, padding, dilation, groups, activation);
        if (activation is Activation.Identity or Activation.Relu && Conv2DFunction.Handles(this, weight, bias, groups))
            return Conv2DFunction.Apply(this, weight, bias, g, activation == Activation.Relu);
        if (activation != Activation.Identity)
            return Conv2DThenActivation(weight, bias, stride, padding, dilation, groups, activation);
        return Conv2DColumns(weight, bias, g, groups);
    }

    // In its own method: a lambda capturing the caller's parameters would allocate its closure on every call, taken or not.
    private Tensor LoweredConv2D(Tensor weight, Tensor? bias, (int H, int W)? stride, (int H, int W)? padding, (int H, int W)? dilation,
        int groups, Activation activation) =>
        DisposeScope.Run(() => Autocast.Lower(this).Conv2D(Autocast.Lower(weight), Autocast.LowerOrNull(bias), stride, padding, dilation, groups, activation));

    private Tensor Conv2DThenActivation(Tensor weight, Tensor? bias, (int H, int W)? stride, (int H, int W)? padding, (int H, int W)? dilation,
        int groups, Activation activation) => DisposeScope.Run(() =>
    {
        var convolved = Conv2D(weight, null, stride, padding, dilation, groups);
        return bias is null ? convolved.Activate(activation) : convolved.AddBiasActivation(bias, activation);
    });

    /// <summary>The conv2d composite: Im2Col, one batched matmul, the fused per-channel bias (validated geometry).</summary>
    internal Tensor Conv2DColumns(Tensor weight, Tensor? bias, Conv2DGeometry g, int groups) => DisposeScope.Run(() =>
    {
        int n = g.N, k = weight.ShapeArray[0];
        var cols = Im2ColFunction.Apply(this, g, 0f);                                // [N, C·R·S, P·Q]
        var product = weight.Reshape(groups, k / groups, g.ColumnRows / groups)       // broadcast over N
            .MatMul(cols.Reshape(n, groups, g.ColumnRows / groups, g.ColumnCols));    // [N, G, K/G, P·Q]
        var output = product.Reshape(n, k, g.P, g.Q);
        return bias is null ? output : output.AddBiasActivation(bias);   // the fused per-channel bias, one pass
    });

    /// <summary>
    /// Zeroes each element with probability p and scales the rest by 1/(1−p); identity when not training;
    /// p = 1 gives x·0, as torch.
    /// </summary>
    public Tensor Dropout(float p, bool training = true, Generator? generator = null)
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentException($"dropout: probability must be in [0, 1], got {p}");
        if (!training || p == 0f) return AliasInGraph();   // identity, but gradients still flow
        if (p == 1f) return Mul(0f);   // every element dropped (torch multiplies by zero, so inf/NaN give NaN)
        // Float32 takes the fused kernel (same draws, same values); an export traces the composite's ops.
        if (DType == DType.Float32 && !GraphCapture.IsActive) return DropoutFunction.Apply(this, p, generator ?? Generator.Default);
        // A 16-bit tensor keeps its dtype (x·mask is exact, the scale rounds once), as torch's dropout.
        if (DType is DType.BFloat16 or DType.Float16)
            return DisposeScope.Run(() => this * Rand(ShapeArray, generator, Device).Ge(p).To(DType) * (1f / (1f - p)));
        return DisposeScope.Run(() => this * (Rand(ShapeArray, generator, Device).Ge(p) * (1f / (1f - p))));
    }

    /// <summary>
    /// torch.nn.functional.embedding(input, weight, padding_idx), ids first as in PyTorch: the rows of
    /// <paramref name="weight"/> [vocab, dim] for integer ids of any shape → [..ids, dim]. The row
    /// <paramref name="paddingIdx"/> (negative counts from the end) is looked up as usual but gets no gradient.
    /// </summary>
    public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null)
    {
        if (weight.Rank != 2) throw new ArgumentException($"embedding: weight must be [vocab, dim], got {weight.Shape}");
        int vocab = weight.ShapeArray[0];
        if (paddingIdx is int given && (given < -vocab || given >= vocab))
            throw new ArgumentException($"embedding: padding_idx {given} is out of range for weight {weight.Shape} ({vocab} embeddings)");
        return DisposeScope.Run(() =>
        {
            var ids = input.Reshape(-1);
            var rows = weight.IndexSelect(0, ids);
            if (paddingIdx is int pad)   // the padding rows read the detached table, so their gradient is dropped
                rows = Where(ids.Reshape(-1, 1).Eq((long)(pad < 0 ? pad + vocab : pad)), rows.Detach(), rows);
            return rows.Reshape([.. input.ShapeArray, weight.ShapeArray[1]]);
        });
    }

    /// <summary>
    /// torch.nn.functional.layer_norm: normalizes over the trailing <paramref name="normalizedShape"/>
    /// dims, y = (x − mean)/√(var + eps)·weight + bias (biased variance); weight and bias are null or
    /// of the normalized shape. One fused pass per row.
    /// </summary>
    public Tensor LayerNorm(int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f) =>
        LayerNormFunction.Apply(this, normalizedShape, weight, bias, eps);
}
