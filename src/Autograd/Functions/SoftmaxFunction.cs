using DeepNet.Tensors;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// softmax / log_softmax along one dim on the fused kernel (Kernels/Fused/Softmax). The output is
/// what backward needs, so it is the only saved tensor. tests/DeepNet.Tests/Tensors/SoftmaxFusedTests
/// asserts equality with the max-shift composite, forward and gradients.
/// </summary>
internal sealed class SoftmaxFunction : Function
{
    private SoftmaxShape _shape;
    private int _log;
    private int _dim;
    private Tensor _y = null!;

    public override string Name => _log != 0 ? "LogSoftmaxBackward" : "SoftmaxBackward";

    /// <summary>The normalized dim (0 for a scalar) and whether this is log_softmax (ONNX export).</summary>
    internal (int Dim, bool Log) Axis => (_dim, _log != 0);

    // In its own method: a lambda capturing Apply's parameters would allocate its closure on every call, taken or not.
    private static Tensor CompositeInScope(Tensor x, int dim, bool log) => DisposeScope.Run(() => Composite(x, dim, log));

    private static Tensor InFloat32(Tensor x, int dim, bool log, bool roundBack) => DisposeScope.Run(() =>
    {
        var y = Apply(x.To(DType.Float32), dim, log);
        return roundBack ? y.To(x.DType) : y;
    });

    public static Tensor Apply(Tensor x, int dim, bool log)
    {
        string op = log ? "log_softmax" : "softmax";
        var shape = SoftmaxShape.From(op, x.ShapeArray, dim);
        if (x.DType == DType.Float64) return CompositeInScope(x, dim, log);
        // Autocast runs softmax in float32 (a Float32 result); a 16-bit input outside it computes in float32 and rounds once.
        if (Autocast.Raises(x)) return InFloat32(x, dim, log, roundBack: false);
        if (HalfScratch.IsHalf(x.DType)) return InFloat32(x, dim, log, roundBack: true);
        if (!x.IsContiguous)
        {
            using var dense = x.Contiguous();
            return Apply(dense, dim, log);
        }
        var y = Tensor.Empty(x.ShapeArray, x.Device);
        x.Backend.Run(new Softmax(shape, log ? 1 : 0, x.Buffer, x.Layout.Offset, y.Buffer));
        if (!ShouldRecord(x)) return y;
        var node = new SoftmaxFunction { _shape = shape, _log = log ? 1 : 0, _dim = x.Rank == 0 ? 0 : ShapeMath.NormalizeDim(op, dim, x.Rank) };
        node._y = node.Save(y);
        return node.Record(y, x);
    }

    // Float64: the max-shift composite, the op's definition, in double primitives (the gradient through
    // the detached max cancels: softmax is shift-invariant).
    private static Tensor Composite(Tensor x, int dim, bool log)
    {
        if (x.Rank == 0) return Composite(x.Reshape(1), 0, log).Reshape([]);
        int d = ShapeMath.NormalizeDim(log ? "log_softmax" : "softmax", dim, x.Rank);
        var z = x - x.Max([d], keepDim: true).Detach();
        var sum = z.Exp().Sum([d], keepDim: true);
        return log ? z - sum.Log() : z.Exp() / sum;
    }

    // softmax: dx = y·(dy − Σ dy·y); log_softmax: dx = dy − exp(y)·Σ dy (sums along the dim)
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        using var gradY = gradOutput.IsContiguous ? gradOutput.Alias() : gradOutput.Contiguous();
        var gradX = Tensor.Empty(_y.ShapeArray, _y.Device);
        _y.Backend.Run(new SoftmaxBackward(_shape, _log, _y.Buffer, gradY.Buffer, gradY.Layout.Offset, gradX.Buffer));
        return Gradient(gradX);
    }
}
