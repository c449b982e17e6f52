using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// y = x converted to another dtype (Tensor.To(DType), the backends' Cast). Recorded only between
/// floating-point dtypes, as torch: y = cast(x) ⇒ dx = cast back(dy).
/// </summary>
internal sealed class CastFunction : Function
{
    private DType _inputDType;

    public override string Name => "ToCopyBackward";

    public static Tensor Apply(Tensor x, DType dtype)
    {
        x.ThrowIfDisposed();
        var y = Tensor.EmptyLike(x, x.Device, dtype);
        x.Backend.Cast(x.Buffer, x.Layout, y.Buffer, y.Layout);
        if (!ShouldRecord(x) || !dtype.IsFloatingPoint()) return y;
        return new CastFunction { _inputDType = x.DType }.Record(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => [Apply(gradOutput, _inputDType)];
}
