using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Fused y = op(x + bias), bias [C] broadcast along dim 1 of x [N, C, ...] (dim 0 of a 1-d x).
/// Replaces Add → op (tests/DeepNet.Tests/Tensors/FusedTests asserts equality, forward and gradients).
/// </summary>
internal sealed class BiasActivationFunction<TOp> : Function, IBiasActivationFunction where TOp : struct, IUnaryOp
{
    private readonly TOp _op;
    private Tensor _x = null!, _bias = null!, _y = null!;
    private BiasActivationShape _shape;
    private bool _needX, _needBias;

    private BiasActivationFunction(TOp op) => _op = op;

    // y = x + b has dz = dy: no backward kernel and nothing saved (a JIT-time constant per TOp).
    private static bool IsIdentity => typeof(TOp) == typeof(IdentityOp);

    /// <summary>The activation's operator struct, for export.</summary>
    public IUnaryOp Op => _op;

    public override string Name => "BiasActivation" + typeof(TOp).Name.Replace("Op", "") + "Backward";

    public static Tensor Apply(TOp op, Tensor x, Tensor bias)
    {
        Tensor.CheckSameDevice("bias_activation", x, bias);
        var shape = BiasActivationShape.From("bias_activation", x.ShapeArray, bias.ShapeArray);
        // Float64: the composite op(x + bias) in double primitives (the op's definition).
        if (x.DType == DType.Float64 || bias.DType == DType.Float64)
            return Float64Composite(op, x, bias);
        if (!x.IsContiguous || !bias.IsContiguous)
        {
            using var denseX = x.Contiguous();
            using var denseBias = bias.Contiguous();
            return Apply(op, denseX, denseBias);
        }
        if (x.DType != bias.DType)
        {
            // The epilogue of linear/conv2d: under autocast, x in the autocast dtype takes the bias in it too
            // (torch's addmm/conv run whole in 16 bits); otherwise mixed operands promote (torch's add). Casts are in the graph.
            var dtype = Autocast.IsEnabled && x.DType == Autocast.DType && bias.DType.IsFloatingPoint()
                ? x.DType : DTypePromotion.Promote(x.DType, bias.DType, "bias_activation");
            return Converted(op, x, bias, dtype);
        }
        var y = HalfScratch.IsHalf(x.DType) ? HalfForward(op, shape, x, bias) : Forward(op, shape, x, bias);
        if (!ShouldRecord(x, bias)) return y;
        var node = new BiasActivationFunction<TOp>(op) { _needX = x.RequiresGrad, _needBias = bias.RequiresGrad, _shape = shape };
        if (!IsIdentity)
        {
            node._x = node.Save(x);
            node._bias = node.Save(bias);
            node._y = node.Save(y);
        }
        return node.Record(y, x, bias);
    }

    // In its own method: a lambda capturing Apply's parameters would allocate its closure on every call, taken or not.
    private static Tensor Float64Composite(TOp op, Tensor x, Tensor bias) => DisposeScope.Run(() =>
        UnaryFunction<TOp>.Apply(op, x + (x.Rank < 2 ? bias : bias.Reshape([bias.ShapeArray[0], .. Enumerable.Repeat(1, x.Rank - 2)]))));

    private static Tensor Converted(TOp op, Tensor x, Tensor bias, DType dtype) => DisposeScope.Run(() => Apply(op, x.To(dtype), bias.To(dtype)));

    private static Tensor Forward(TOp op, BiasActivationShape shape, Tensor x, Tensor bias)
    {
        var y = Tensor.Empty(x.ShapeArray, x.Device);
        x.Backend.Run(new BiasActivation<TOp>(op, shape, x.Buffer, x.Layout.Offset, bias.Buffer, bias.Layout.Offset, y.Buffer));
        return y;
    }

    // 16-bit: the kernel on float32 scratch, rounded once; the node saves the 16-bit x, bias and y.
    private static Tensor HalfForward(TOp op, BiasActivationShape shape, Tensor x, Tensor bias)
    {
        using var x32 = HalfScratch.Float32(x);
        using var bias32 = HalfScratch.Float32(bias);
        return HalfScratch.Round(Forward(op, shape, x32, bias32), x.DType);
    }

    // y = f(x + b) ⇒ dz = f'(z)·dy, dx = dz, db = Σ dz over every dim but the channel dim
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var gradZ = IsIdentity ? gradOutput.Alias() : ActivationBackward(gradOutput);
        Tensor? gradBias = null;
        if (_needBias)
        {
            int rank = gradZ.Rank;
            gradBias = rank < 2 ? gradZ.Clone() : ReduceFunction.Apply(ReduceKind.Sum, gradZ, AllButChannel(rank), keepDim: false);
        }
        if (_needX) return Gradients(gradZ, gradBias);
        gradZ.Dispose();
        return Gradients(null, gradBias);
    }

    // [0, 2, 3, ...]: every dim but the channel dim 1, sorted and distinct as ReduceFunction wants; shared per rank.
    private static readonly int[][] ChannelSums = [.. Enumerable.Range(0, 9).Select(ChannelSumDims)];

    private static int[] AllButChannel(int rank) => rank < ChannelSums.Length ? ChannelSums[rank] : ChannelSumDims(rank);

    private static int[] ChannelSumDims(int rank)
    {
        if (rank < 2) return [];
        var dims = new int[rank - 1];
        for (int d = 2; d < rank; d++) dims[d - 1] = d;
        return dims;
    }

    private Tensor ActivationBackward(Tensor gradOutput)
    {
        if (!HalfScratch.IsHalf(_x.DType)) return ActivationBackward(_x, _bias, _y, gradOutput);
        using var x32 = HalfScratch.Float32(_x);
        using var bias32 = HalfScratch.Float32(_bias);
        using var y32 = HalfScratch.Float32(_y);
        using var gradY32 = HalfScratch.Float32(gradOutput);
        return HalfScratch.Round(ActivationBackward(x32, bias32, y32, gradY32), _x.DType);
    }

    private Tensor ActivationBackward(Tensor x, Tensor bias, Tensor y, Tensor gradOutput)
    {
        using var gradY = gradOutput.IsContiguous ? gradOutput.Alias() : gradOutput.Contiguous();
        var gradZ = Tensor.Empty(x.ShapeArray, x.Device);
        var forward = new BiasActivation<TOp>(_op, _shape, x.Buffer, x.Layout.Offset, bias.Buffer, bias.Layout.Offset, y.Buffer);
        x.Backend.Run(new BiasActivationBackward<TOp>(forward, gradY.Buffer, gradY.Layout.Offset, gradZ.Buffer));
        return gradZ;
    }
}
