using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// y = x converted to another dtype (Tensor.To(DType), the backends' Cast). Recorded only between
/// floating-point dtypes, as torch: y = cast(x) ⇒ dx = cast back(dy).
/// </summary>
internal sealed class CastFunction : Function
{
    private DType _inputDType;

    /// <summary>The dtype cast to.</summary>
    public DType DType { get; private init; }

    public override string Name => "ToCopyBackward";

    public static Tensor Apply(Tensor x, DType dtype)
    {
        x.ThrowIfDisposed();
        var y = Tensor.EmptyLike(x, x.Device, dtype);
        x.Backend.Cast(x.Buffer, x.Layout, y.Buffer, y.Layout);
        if (!ShouldRecord(x)) return y;
        var node = new CastFunction { _inputDType = x.DType, DType = dtype };
        // To an integer or Bool dtype there is no gradient: only an export's capture records it.
        return dtype.IsFloatingPoint() ? node.Record(y, x) : node.RecordForCapture(y, x);
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => [Apply(gradOutput, _inputDType)];
}
