using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>out = cond ? a : b with broadcasting; no gradient flows to the condition.</summary>
internal sealed class WhereFunction : Function
{
    private Tensor _cond = null!;

    // In its own method: a lambda capturing Apply's parameters would allocate its closure on every call, taken or not.
    private static Tensor WithFloatCondition(Tensor cond, Tensor a, Tensor b) => DisposeScope.Run(() => Apply(cond.To(DType.Float32), a, b));

    /// <summary>a and b computed in <paramref name="compute"/>, the result in <paramref name="result"/>.</summary>
    private static Tensor Converted(Tensor cond, Tensor a, Tensor b, DType compute, DType result) => DisposeScope.Run(() =>
    {
        var y = Apply(cond, a.To(compute), b.To(compute));
        return result == compute ? y : y.To(result);
    });

    public static Tensor Apply(Tensor cond, Tensor a, Tensor b)
    {
        Tensor.CheckSameDevice("where", cond, a, b);
        if (cond.DType == DType.Bool) return WithFloatCondition(cond, a, b);   // exact: 0 or 1
        if (cond.DType != DType.Float32)
            throw new ArgumentException($"where: the condition must be Bool (or a Float32 0/1 mask), got {cond.DType}");
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
        {
            var dtype = DTypePromotion.Promote(a.DType, b.DType, "where");
            if (dtype == DType.Float32 || DTypeRouting.IsHalf(dtype))
                return Converted(cond, a, b, DType.Float32, dtype);
            if (dtype == DType.Float64 && (a.DType != dtype || b.DType != dtype))
                return Converted(cond, a, b, dtype, dtype);
            if (dtype != DType.Float64)
                throw new ArgumentException($"where: values of {a.DType} and {b.DType} (promoted {dtype}) have no kernel; convert them with To(DType.Float32)");
        }
        var shape = ShapeMath.Broadcast("where", ShapeMath.Broadcast("where", cond.ShapeArray, a.ShapeArray), b.ShapeArray);
        var y = Tensor.Empty(shape, a.Device, dtype: a.DType);
        a.Backend.Where(cond.Buffer, ShapeMath.BroadcastTo(cond.Layout, shape), a.Buffer, ShapeMath.BroadcastTo(a.Layout, shape),
            b.Buffer, ShapeMath.BroadcastTo(b.Layout, shape), y.Buffer, y.Layout);
        if (!ShouldRecord(a, b)) return y;
        var node = new WhereFunction();
        node._cond = node.Save(cond);
        // A capture records the condition as a third edge (no gradient flows to it): masks that come from the input.
        return IsCapturing ? node.Record(y, a, b, cond) : node.Record(y, a, b);
    }

    // da = cond ? dy : 0, db = cond ? 0 : dy
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        using var zero = Tensor.Zeros([], gradOutput.DType, gradOutput.Device);
        return [Apply(_cond, gradOutput, zero), Apply(_cond, zero, gradOutput)];
    }
}
