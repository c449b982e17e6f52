using DeepNet.Kernels.Ops;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// In-place arithmetic in PyTorch's names (add_, sqrt_, maximum, addcmul_, addcdiv_), so
// optimizer steps update their state without temporaries. Same rules as Tensor.InPlace.cs:
// no graph is recorded, and tensors in a graph are refused while grad mode is on.
public sealed partial class Tensor
{
    /// <summary>this += value.</summary>
    public Tensor AddInPlace(double value)
    {
        CheckInPlace("add_");
        Backend.Map(new AddScalarOp(value), Buffer, Layout, Buffer, Layout);
        return this;
    }

    /// <summary>this = √this.</summary>
    public Tensor SqrtInPlace()
    {
        CheckInPlace("sqrt_");
        Backend.Map(default(SqrtOp), Buffer, Layout, Buffer, Layout);
        return this;
    }

    /// <summary>this = max(this, other) elementwise (other broadcast to this shape).</summary>
    public Tensor MaximumInPlace(Tensor other)
    {
        CheckInPlace("maximum_", other);
        ZipInPlace(default(MaximumOp), other);
        return this;
    }

    /// <summary>
    /// this += value · tensor1 · tensor2 (both broadcast to this shape). One pass and no
    /// temporary when both factors are the same tensor (a running average of squares).
    /// </summary>
    public Tensor AddcMulInPlace(Tensor tensor1, Tensor tensor2, float value = 1f)
    {
        CheckInPlace("addcmul_", tensor1);
        CheckInPlace("addcmul_", tensor2);
        if (ReferenceEquals(tensor1, tensor2))
        {
            ZipInPlace(new AddScaledSquareOp(value), tensor1);
            return this;
        }

        using var product = ZipToNew(default(MulOp), tensor1, tensor2);
        ZipInPlace(new ScaledAddOp(value), product);
        return this;
    }

    /// <summary>this += value · tensor1 / tensor2 (both broadcast to this shape); one temporary for the quotient.</summary>
    public Tensor AddcDivInPlace(Tensor tensor1, Tensor tensor2, float value = 1f)
    {
        CheckInPlace("addcdiv_", tensor1);
        CheckInPlace("addcdiv_", tensor2);
        using var quotient = ZipToNew(default(DivOp), tensor1, tensor2);
        ZipInPlace(new ScaledAddOp(value), quotient);
        return this;
    }

    // op(a, b) broadcast to this tensor's shape, into a new dense tensor (no graph).
    private Tensor ZipToNew<TOp>(TOp op, Tensor a, Tensor b) where TOp : struct, IBinaryOp
    {
        // Other dtypes (or a mix) take the routed op, which promotes; Float32 and Float64 zip in their own kernel.
        if (a.DType != b.DType || a.DType is not (DType.Float32 or DType.Float64))
            return Autograd.Functions.BinaryFunction<TOp>.Apply("in-place", op, a.Detach(), b.Detach());
        var result = Empty(ShapeArray, Device, dtype: a.DType);
        Backend.Zip(op, a.Buffer, ShapeMath.BroadcastTo(a.Layout, ShapeArray),
            b.Buffer, ShapeMath.BroadcastTo(b.Layout, ShapeArray), result.Buffer, result.Layout);
        return result;
    }
}
