using DeepNet.Kernels;
using DeepNet.Kernels.Ops;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// How an elementwise or reduce op runs on a dtype that is not Float32 (docs/dtypes.md): the float
/// kernels are float32, so BFloat16 and Float16 compute in float32 and round back once (casts in
/// the graph: gradients flow), integer and Bool operands of a float op become Float32 (as torch's
/// ops on a Python float or its true division), add/sub/mul/max/min and comparisons on integers
/// run exactly in <see cref="IBackend.ZipTyped"/>; Float64 runs the op structs' double members in
/// the double kernels (a Float32 operand is converted up, in the graph). Anything else is refused naming the op and dtype.
/// </summary>
internal static class DTypeRouting
{
    public static bool IsHalf(DType dtype) => dtype is DType.BFloat16 or DType.Float16;

    /// <summary>The dtype a float kernel writes for <paramref name="x"/>: Float64 for Float64 (the double kernels), else Float32.</summary>
    public static DType KernelDType(Tensor x) => x.DType == DType.Float64 ? DType.Float64 : DType.Float32;

    /// <summary>y = f(x) for x neither Float32 nor Float64.</summary>
    public static Tensor Unary(string op, Tensor x, Func<Tensor, Tensor> f)
    {
        if (IsHalf(x.DType)) return DisposeScope.Run(() => f(x.To(DType.Float32)).To(x.DType));
        return DisposeScope.Run(() => f(x.To(DType.Float32)));   // integers and Bool: a float op gives Float32
    }

    /// <summary>c = f(a, b) for operands not both Float32 or both Float64.</summary>
    public static Tensor Binary<TOp>(string op, Tensor a, Tensor b, Func<Tensor, Tensor, Tensor> f) where TOp : struct, IBinaryOp
    {
        var dtype = DTypePromotion.Promote(a.DType, b.DType, op);
        if (dtype == DType.Float32) return DisposeScope.Run(() => f(a.To(DType.Float32), b.To(DType.Float32)));
        if (IsHalf(dtype)) return DisposeScope.Run(() => f(a.To(DType.Float32), b.To(DType.Float32)).To(dtype));
        // Float64 (also mixed with Float32: To keeps the graph, so each operand gets its gradient in its own dtype).
        if (dtype == DType.Float64) return DisposeScope.Run(() => f(a.To(DType.Float64), b.To(DType.Float64)));
        if (ExactKind<TOp>() is { } kind) return Exact(op, kind, a, b, dtype, dtype);
        return DisposeScope.Run(() => f(a.To(DType.Float32), b.To(DType.Float32)));   // true division, pow: float results
    }

    /// <summary>A comparison of any two dtypes, in their promoted dtype, exactly: a Bool tensor.</summary>
    public static Tensor Compare(string op, TypedZipKind kind, Tensor a, Tensor b)
    {
        var dtype = DTypePromotion.Promote(a.DType, b.DType, op);
        return Exact(op, kind, a, b, dtype, DType.Bool);
    }

    /// <summary>A sum or max of a tensor neither Float32 nor Float64.</summary>
    public static Tensor Reduce(string op, ReduceKind kind, Tensor x, Func<Tensor, Tensor> f)
    {
        if (IsHalf(x.DType)) return DisposeScope.Run(() => f(x.To(DType.Float32)).To(x.DType));
        if (x.DType == DType.Bool && kind == ReduceKind.Sum)
        {
            // A count: exact in float32 up to 2^24 elements, returned as Int64 as torch's sum of a bool tensor.
            if (x.Size > 1 << 24)
                throw new ArgumentException($"{op}: counting a Bool tensor of {x.Size} elements exceeds the 2^24 that sum counts exactly");
            return DisposeScope.Run(() => f(x.To(DType.Float32)).To(DType.Int64));
        }
        throw Unsupported(op, x.DType);
    }

    private static Tensor Exact(string op, TypedZipKind kind, Tensor a, Tensor b, DType operands, DType result)
    {
        Tensor.CheckSameDevice(op, a, b);
        var shape = Kernels.Geometry.ShapeMath.Broadcast(op, a.ShapeArray, b.ShapeArray);
        return DisposeScope.Run(() =>
        {
            var x = a.Detach().To(operands);
            var y = b.Detach().To(operands);
            var c = Tensor.Empty(shape, a.Device, dtype: result);
            a.Backend.ZipTyped(kind, x.Buffer, Kernels.Geometry.ShapeMath.BroadcastTo(x.Layout, shape),
                y.Buffer, Kernels.Geometry.ShapeMath.BroadcastTo(y.Layout, shape), c.Buffer, c.Layout);
            return c;
        });
    }

    private static TypedZipKind? ExactKind<TOp>() =>
        typeof(TOp) == typeof(AddOp) ? TypedZipKind.Add
        : typeof(TOp) == typeof(SubOp) ? TypedZipKind.Sub
        : typeof(TOp) == typeof(MulOp) ? TypedZipKind.Mul
        : typeof(TOp) == typeof(MaximumOp) ? TypedZipKind.Max
        : typeof(TOp) == typeof(MinimumOp) ? TypedZipKind.Min
        : null;

    private static ArgumentException Unsupported(string op, DType dtype) =>
        new($"{op}: no {dtype} kernel for this op (float ops compute in Float32, BFloat16 and Float16 through Float32; " +
            $"add, sub, mul, maximum, minimum and comparisons run on every dtype); convert with To(DType.Float32)");
}
