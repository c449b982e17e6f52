using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Kernels.Ops;

namespace DeepNet.Autograd.Functions;

/// <summary>Every elementwise y = f(x): forward and backward come from the operator struct.</summary>
internal sealed class UnaryFunction<TOp> : Function, IUnaryFunction where TOp : struct, IUnaryOp
{
    private readonly TOp _op;
    private Tensor _x = null!, _y = null!;

    private UnaryFunction(TOp op) => _op = op;

    /// <summary>The operator struct (with its constants), for export.</summary>
    public IUnaryOp Op => _op;

    public override string Name => typeof(TOp).Name.Replace("Op", "") + "Backward";

    public static Tensor Apply(TOp op, Tensor x)
    {
        x.ThrowIfDisposed();
        if (x.DType is not (DType.Float32 or DType.Float64)) return DTypeRouting.Unary(typeof(TOp).Name.Replace("Op", "").ToLowerInvariant(), x, t => Apply(op, t));
        var y = Tensor.EmptyLike(x, x.Device);
        x.Backend.Map(op, x.Buffer, x.Layout, y.Buffer, y.Layout);
        if (!ShouldRecord(x)) return y;
        var node = new UnaryFunction<TOp>(op);
        node._x = node.Save(x);
        node._y = node.Save(y);
        return node.Record(y, x);
    }

    // dx = f'(x, y) · dy, elementwise
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var gradInput = Tensor.EmptyLike(_x, _x.Device);
        _x.Backend.MapBackward(_op, _x.Buffer, _x.Layout, _y.Buffer, _y.Layout,
            gradOutput.Buffer, gradOutput.Layout, gradInput.Buffer, gradInput.Layout);
        return [gradInput];
    }
}
