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
        if (RaisedByAutocast && Autocast.Raises(x)) return RaisedToFloat32(op, x);
        if (HalfScratch.IsHalf(x.DType)) return ApplyHalf(op, x);
        if (x.DType is not (DType.Float32 or DType.Float64)) return Routed(op, x);
        var y = Tensor.EmptyLike(x, x.Device);
        x.Backend.Map(op, x.Buffer, x.Layout, y.Buffer, y.Layout);
        if (!ShouldRecord(x)) return y;
        return Recorded(op, x, y);
    }

    private static Tensor Recorded(TOp op, Tensor x, Tensor y)
    {
        var node = new UnaryFunction<TOp>(op);
        node._y = node.Save(y);
        node._x = BackwardReadsOnlyOutput ? node._y : node.Save(x);
        return node.Record(y, x);
    }

    // The lambdas live in their own methods: a lambda capturing Apply's parameters would allocate its closure on every call, taken or not.
    private static Tensor RaisedToFloat32(TOp op, Tensor x) => DisposeScope.Run(() => Apply(op, x.To(DType.Float32)));

    private static Tensor Routed(TOp op, Tensor x) =>
        DTypeRouting.Unary(typeof(TOp).Name.Replace("Op", "").ToLowerInvariant(), x, t => Apply(op, t));

    // ReLU's backward reads x only as x ≤ 0, and y = max(x, 0) is ≤ 0 exactly there (NaN stays NaN): the node keeps
    // y alone, so x's buffer can go as soon as the forward is done with it (one alias fewer per ReLU, too).
    private static bool BackwardReadsOnlyOutput => typeof(TOp) == typeof(ReluOp);

    // torch's autocast float32 list (exp, log, pow): a 16-bit input is cast up, the result is Float32 (a JIT-time constant per TOp).
    private static bool RaisedByAutocast => typeof(TOp) == typeof(ExpOp) || typeof(TOp) == typeof(LogOp) || typeof(TOp) == typeof(PowScalarOp);

    // 16-bit x: the kernel on float32 scratch, rounded once; the node saves the 16-bit x and y (HalfScratch).
    private static Tensor ApplyHalf(TOp op, Tensor x)
    {
        Tensor y;
        using (var x32 = HalfScratch.Float32(x))
        {
            var y32 = Tensor.EmptyLike(x32, x32.Device);
            x.Backend.Map(op, x32.Buffer, x32.Layout, y32.Buffer, y32.Layout);
            y = HalfScratch.Round(y32, x.DType);
        }
        if (!ShouldRecord(x)) return y;
        return Recorded(op, x, y);
    }

    // dx = f'(x, y) · dy, elementwise (16-bit: through float32 scratch)
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        if (HalfScratch.IsHalf(_x.DType)) return Gradient(HalfBackward(gradOutput));
        var gradInput = Tensor.EmptyLike(_x, _x.Device);
        _x.Backend.MapBackward(_op, _x.Buffer, _x.Layout, _y.Buffer, _y.Layout,
            gradOutput.Buffer, gradOutput.Layout, gradInput.Buffer, gradInput.Layout);
        return Gradient(gradInput);
    }

    private Tensor HalfBackward(Tensor gradOutput)
    {
        using var x32 = HalfScratch.Float32(_x);
        using var y32 = HalfScratch.Float32(_y);
        using var gradOutput32 = HalfScratch.Float32(gradOutput);
        var gradInput32 = Tensor.EmptyLike(x32, x32.Device);
        _x.Backend.MapBackward(_op, x32.Buffer, x32.Layout, y32.Buffer, y32.Layout,
            gradOutput32.Buffer, gradOutput32.Layout, gradInput32.Buffer, gradInput32.Layout);
        return HalfScratch.Round(gradInput32, _x.DType);
    }
}
