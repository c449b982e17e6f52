using DeepNet.Kernels;
using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// Every elementwise c = f(a, b) with NumPy broadcasting. Gradients come out in c's shape;
/// Backprop sums them back to each input's shape.
/// </summary>
internal sealed class BinaryFunction<TOp> : Function where TOp : struct, IBinaryOp
{
    private readonly TOp _op;
    private readonly int[] _outShape;
    private Tensor _a = null!, _b = null!;

    private BinaryFunction(TOp op, int[] outShape)
    {
        _op = op;
        _outShape = outShape;
    }

    public override string Name => typeof(TOp).Name.Replace("Op", "") + "Backward";

    public static Tensor Apply(string name, TOp op, Tensor a, Tensor b)
    {
        Tensor.CheckSameDevice(name, a, b);
        bool sameShape = a.ShapeArray.AsSpan().SequenceEqual(b.ShapeArray);   // the common case needs no broadcast layouts
        var shape = sameShape ? a.ShapeArray : ShapeMath.Broadcast(name, a.ShapeArray, b.ShapeArray);
        var c = Tensor.Empty(shape, a.Device);
        a.Backend.Zip(op, a.Buffer, sameShape ? a.Layout : ShapeMath.BroadcastTo(a.Layout, shape),
            b.Buffer, sameShape ? b.Layout : ShapeMath.BroadcastTo(b.Layout, shape), c.Buffer, c.Layout);
        if (!ShouldRecord(a, b)) return c;
        var node = new BinaryFunction<TOp>(op, shape);
        node._a = node.Save(a);
        node._b = node.Save(b);
        return node.Record(c, a, b);
    }

    // da = ∂f/∂a · dc, db = ∂f/∂b · dc, in c's shape
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var gradA = Edges[0].IsLive ? Tensor.Empty(_outShape, _a.Device) : null;
        var gradB = Edges[1].IsLive ? Tensor.Empty(_outShape, _a.Device) : null;
        _a.Backend.ZipBackward(_op, _a.Buffer, ShapeMath.BroadcastTo(_a.Layout, _outShape),
            _b.Buffer, ShapeMath.BroadcastTo(_b.Layout, _outShape), gradOutput.Buffer, gradOutput.Layout,
            gradA?.Buffer, gradB?.Buffer);
        return [gradA, gradB];
    }
}
