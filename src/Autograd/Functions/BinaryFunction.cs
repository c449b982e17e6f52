using DeepNet.Kernels;
using DeepNet.Kernels.Ops;
using DeepNet.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Every elementwise c = f(a, b) with NumPy broadcasting. Gradients come out in c's shape;
/// Backprop sums them back to each input's shape.
/// </summary>
internal sealed class BinaryFunction<TOp> : Function, IBinaryFunction where TOp : struct, IBinaryOp
{
    private readonly TOp _op;
    private readonly int[] _outShape;
    private Tensor _a = null!, _b = null!;

    private BinaryFunction(TOp op, int[] outShape)
    {
        _op = op;
        _outShape = outShape;
    }

    /// <summary>The operator struct (with its constants), for export.</summary>
    public IBinaryOp Op => _op;

    public override string Name => typeof(TOp).Name.Replace("Op", "") + "Backward";

    public static Tensor Apply(string name, TOp op, Tensor a, Tensor b)
    {
        Tensor.CheckSameDevice(name, a, b);
        bool half = a.DType == b.DType && HalfScratch.IsHalf(a.DType);
        if (!half && (a.DType != b.DType || a.DType is not (DType.Float32 or DType.Float64)))
            return Routed(name, op, a, b);
        bool sameShape = a.ShapeArray.AsSpan().SequenceEqual(b.ShapeArray);   // the common case needs no broadcast layouts
        var shape = sameShape ? a.ShapeArray : ShapeMath.Broadcast(name, a.ShapeArray, b.ShapeArray);
        Tensor c;
        if (half)
        {
            // Two 16-bit operands of one dtype: the float32 kernel on scratch, rounded once; the node saves a and b (HalfScratch).
            using var a32 = HalfScratch.Float32(a);
            using var b32 = HalfScratch.Float32(b);
            c = HalfScratch.Round(Zip(op, a32, b32, shape, sameShape), a.DType);
        }
        else c = Zip(op, a, b, shape, sameShape);
        if (!ShouldRecord(a, b)) return c;
        var node = new BinaryFunction<TOp>(op, shape);
        if (typeof(TOp) != typeof(AddOp))   // add's backward reads neither operand: keeping them would only hold memory
        {
            node._a = node.Save(a);
            node._b = node.Save(b);
        }
        return node.Record(c, a, b);
    }

    // In its own method: a lambda capturing Apply's parameters would allocate its closure on every call, taken or not.
    private static Tensor Routed(string name, TOp op, Tensor a, Tensor b) => DTypeRouting.Binary<TOp>(name, a, b, (x, y) => Apply(name, op, x, y));

    private static Tensor Zip(TOp op, Tensor a, Tensor b, int[] shape, bool sameShape)
    {
        var c = sameShape ? Tensor.EmptyLike(a, a.Device) : Tensor.Empty(shape, a.Device, dtype: a.DType);
        a.Backend.Zip(op, a.Buffer, sameShape ? a.Layout : ShapeMath.BroadcastTo(a.Layout, shape),
            b.Buffer, sameShape ? b.Layout : ShapeMath.BroadcastTo(b.Layout, shape), c.Buffer, c.Layout);
        return c;
    }

    private StridedLayout BroadcastLayout(Tensor x) =>
        x.ShapeArray.AsSpan().SequenceEqual(_outShape) ? x.Layout : ShapeMath.BroadcastTo(x.Layout, _outShape);

    // da = ∂f/∂a · dc, db = ∂f/∂b · dc, in c's shape
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        // d(a + b) = dc for both: aliases, no kernel pass and no new buffers (Backprop sums them back).
        if (typeof(TOp) == typeof(AddOp))
            return Gradients(Edges[0].IsLive ? gradOutput.Alias() : null, Edges[1].IsLive ? gradOutput.Alias() : null);
        if (!HalfScratch.IsHalf(_a.DType)) return Gradients(_a, _b, gradOutput);
        using var a32 = HalfScratch.Float32(_a);
        using var b32 = HalfScratch.Float32(_b);
        using var gradOutput32 = HalfScratch.Float32(gradOutput);
        var grads = Gradients(a32, b32, gradOutput32);
        for (int i = 0; i < grads.Length; i++)
            if (grads[i] is { } grad32) grads[i] = HalfScratch.Round(grad32, _a.DType);
        return grads;
    }

    private Tensor?[] Gradients(Tensor a, Tensor b, Tensor gradOutput)
    {
        var gradA = Edges[0].IsLive ? Tensor.EmptyLike(gradOutput, a.Device) : null;
        var gradB = Edges[1].IsLive ? Tensor.EmptyLike(gradOutput, a.Device) : null;
        a.Backend.ZipBackward(_op, a.Buffer, BroadcastLayout(a), b.Buffer, BroadcastLayout(b),
            gradOutput.Buffer, gradOutput.Layout, gradA?.Buffer, gradB?.Buffer);
        return Gradients(gradA, gradB);
    }
}
