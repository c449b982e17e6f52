using DeepNet.Kernels;
using DeepNet.Kernels.Ops;
using DeepNet.Kernels.Geometry;
using DeepNet.Autograd;
using DeepNet.Autograd.Functions;

namespace DeepNet.Tensors;

// In-place updates, for optimizers and gradient bookkeeping. They record no graph, so they
// are refused on tensors that take part in one while grad mode is on.
public sealed partial class Tensor
{
    /// <summary>this += alpha · other (other broadcast to this shape).</summary>
    public Tensor AddInPlace(Tensor other, float alpha = 1f)
    {
        CheckInPlace("add_", other);
        if (alpha == 1f)
            ZipInPlace(default(AddOp), other);
        else
            ZipInPlace(new ScaledAddOp(alpha), other);
        return this;
    }

    /// <summary>this *= other elementwise (broadcast).</summary>
    public Tensor MulInPlace(Tensor other)
    {
        CheckInPlace("mul_", other);
        ZipInPlace(default(MulOp), other);
        return this;
    }

    /// <summary>this *= value.</summary>
    public Tensor MulInPlace(double value)
    {
        CheckInPlace("mul_");
        if (DType is not (DType.Float32 or DType.Float64)) return StoreInPlace("mul_", Mul(value));
        Backend.Map(new MulScalarOp(value), Buffer, Layout, Buffer, Layout);
        return this;
    }

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape) into this tensor.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        CheckInPlace("copy_", source);
        if (source.DType != DType)
            throw new ArgumentException($"copy_: source is {source.DType} and this tensor {DType}; convert the source with To({DType}) first");
        Backend.Copy(source.Buffer, ShapeMath.BroadcastTo(source.Layout, ShapeArray), Buffer, Layout);
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill(double value)
    {
        CheckInPlace("fill_");
        // The backend's fill takes a float: exact for Float32 and, when the value is a float, for Float64.
        if (DType is DType.Float32 || DType is DType.Float64 && (double)(float)value == value)
        {
            Backend.Fill(Buffer, Layout, (float)value);
            return this;
        }
        using var one = FromArray([value], [], Device);   // the cast kernel rounds it once into this dtype
        Backend.Cast(one.Buffer, ShapeMath.BroadcastTo(one.Layout, ShapeArray), Buffer, Layout);
        return this;
    }

    /// <summary>Sets every element to 0.</summary>
    public Tensor Zero() => Fill(0f);

    /// <summary>this = op(this) for any elementwise operator struct (fused optimizer math).</summary>
    public Tensor MapInPlace<TOp>(TOp op) where TOp : struct, IUnaryOp
    {
        CheckInPlace("map_");
        Backend.Map(op, Buffer, Layout, Buffer, Layout);
        return this;
    }

    private void ZipInPlace<TOp>(TOp op, Tensor other) where TOp : struct, IBinaryOp
    {
        if (DType != other.DType || DType is not (DType.Float32 or DType.Float64))
        {
            StoreInPlace("in-place " + typeof(TOp).Name.Replace("Op", "").ToLowerInvariant(), BinaryFunction<TOp>.Apply("in-place", op, this, other));
            return;
        }
        Backend.Zip(op, Buffer, Layout, other.Buffer, ShapeMath.BroadcastTo(other.Layout, ShapeArray), Buffer, Layout);
    }

    /// <summary>
    /// Writes an out-of-place result of another dtype's op back into this tensor (consumed). As torch's
    /// in-place rule: a float result may round into a float tensor, an integer one into an integer tensor;
    /// a float result into an integer tensor is refused.
    /// </summary>
    private Tensor StoreInPlace(string op, Tensor result)
    {
        using (result)
        {
            if (result.DType != DType && !(result.DType.IsFloatingPoint() == DType.IsFloatingPoint()))
                throw new ArgumentException($"{op}: the result is {result.DType}, which cannot be stored in place in a {DType} tensor");
            using var plain = result.Detach();
            using var cast = plain.To(DType);
            Backend.Copy(cast.Buffer, ShapeMath.BroadcastTo(cast.Layout, ShapeArray), Buffer, Layout);
        }
        return this;
    }

    private void CheckInPlace(string op, Tensor? other = null)
    {
        ThrowIfDisposed();
        if (other is not null)
        {
            CheckSameDevice(op, this, other);
            // Equal shapes (a gradient accumulated into Grad) need no broadcast shape: nothing to allocate.
            if (!other.ShapeArray.AsSpan().SequenceEqual(ShapeArray)
                && !ShapeMath.Broadcast(op, ShapeArray, other.ShapeArray).AsSpan().SequenceEqual(ShapeArray))
                throw new ArgumentException($"{op}: shape {other.Shape} cannot be broadcast into {Shape}");
        }
        // An export capture records out-of-place ops only: an in-place change would be missing from the exported graph.
        if (Autograd.GraphCapture.IsActive && GradFn is not null)
            throw new InvalidOperationException($"{op}: in-place update of a tensor computed in the forward being exported to ONNX; use the out-of-place op");
        if (Autograd.GradMode.IsEnabled && (GradFn is not null || (RequiresGrad && IsLeaf)))
            throw new InvalidOperationException($"{op}: in-place update of a tensor that requires grad; wrap it in GradMode.NoGrad()");
    }
}
