using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Kernels.Ops;
using DeepNet.Autograd.Functions;

namespace DeepNet.Tensors;

// Elementwise ops. Each is one operator struct in DeepNet.Kernels.Ops run by the generic
// UnaryFunction/BinaryFunction; binary ops broadcast NumPy-style.
public sealed partial class Tensor
{
    /// <summary>this + other, broadcast.</summary>
    public Tensor Add(Tensor other) => BinaryFunction<AddOp>.Apply("add", default, this, other);
    /// <summary>this − other, broadcast.</summary>
    public Tensor Sub(Tensor other) => BinaryFunction<SubOp>.Apply("sub", default, this, other);
    /// <summary>this · other elementwise, broadcast.</summary>
    public Tensor Mul(Tensor other) => BinaryFunction<MulOp>.Apply("mul", default, this, other);
    /// <summary>this / other elementwise, broadcast.</summary>
    public Tensor Div(Tensor other) => BinaryFunction<DivOp>.Apply("div", default, this, other);
    /// <summary>this ^ exponent elementwise, broadcast (the exponent gradient needs this &gt; 0).</summary>
    public Tensor Pow(Tensor exponent) => BinaryFunction<PowOp>.Apply("pow", default, this, exponent);
    /// <summary>Elementwise maximum, broadcast.</summary>
    public Tensor Maximum(Tensor other) => BinaryFunction<MaximumOp>.Apply("maximum", default, this, other);
    /// <summary>Elementwise minimum, broadcast.</summary>
    public Tensor Minimum(Tensor other) => BinaryFunction<MinimumOp>.Apply("minimum", default, this, other);

    // Scalars are doubles, as Python's: a Float64 tensor uses them unrounded, a Float32 one rounds them once to float32 (torch's rule).
    public Tensor Add(double value) => UnaryFunction<AddScalarOp>.Apply(new(value), this);
    public Tensor Sub(double value) => UnaryFunction<AddScalarOp>.Apply(new(-value), this);
    public Tensor Mul(double value) => UnaryFunction<MulScalarOp>.Apply(new(value), this);
    public Tensor Div(double value) => UnaryFunction<DivScalarOp>.Apply(new(value), this);
    /// <summary>this ^ exponent for a constant exponent.</summary>
    public Tensor Pow(double exponent) => UnaryFunction<PowScalarOp>.Apply(new(exponent), this);

    public Tensor Neg() => UnaryFunction<NegOp>.Apply(default, this);
    public Tensor Exp() => UnaryFunction<ExpOp>.Apply(default, this);
    public Tensor Log() => UnaryFunction<LogOp>.Apply(default, this);
    public Tensor Sqrt() => UnaryFunction<SqrtOp>.Apply(default, this);
    public Tensor Abs() => UnaryFunction<AbsOp>.Apply(default, this);
    /// <summary>Rounds down; no gradient flows through it.</summary>
    public Tensor Floor() => UnaryFunction<FloorOp>.Apply(default, this);
    /// <summary>
    /// min(max(x, min), max), as torch.clamp: either bound may be omitted (null), not both; the
    /// gradient passes where x is inside the bounds. x: any shape, kept.
    /// </summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null)
            throw new ArgumentException("clamp: at least one of min and max must be given (both are null)");
        if (min is double lo && double.IsNaN(lo) || max is double hi && double.IsNaN(hi))
            throw new ArgumentException($"clamp: bounds must not be NaN (min {min}, max {max})");
        return UnaryFunction<ClampOp>.Apply(new(min ?? double.NegativeInfinity, max ?? double.PositiveInfinity), this);
    }

    public Tensor Relu() => UnaryFunction<ReluOp>.Apply(default, this);
    public Tensor LeakyRelu(double negativeSlope = 0.01) => UnaryFunction<LeakyReluOp>.Apply(new(negativeSlope), this);
    public Tensor Sigmoid() => UnaryFunction<SigmoidOp>.Apply(default, this);
    public Tensor Tanh() => UnaryFunction<TanhOp>.Apply(default, this);
    /// <summary>
    /// Gelu as torch.nn.functional.gelu: exact x·Φ(x) (the default, approximate='none') or the tanh
    /// approximation (<see cref="GeluApproximation.Tanh"/>, approximate='tanh'). x: any shape, kept.
    /// </summary>
    public Tensor Gelu(GeluApproximation approximate = GeluApproximation.None) => approximate switch
    {
        GeluApproximation.None => UnaryFunction<GeluOp>.Apply(default, this),
        GeluApproximation.Tanh => UnaryFunction<GeluTanhOp>.Apply(default, this),
        _ => throw new ArgumentException($"gelu: unknown approximation {approximate}"),
    };

    /// <summary>y = act(x), the same shape as x; <see cref="Activation.Identity"/> gives a copy.</summary>
    public Tensor Activate(Activation activation) => activation switch
    {
        Activation.Identity => UnaryFunction<IdentityOp>.Apply(default, this),
        Activation.Relu => Relu(),
        Activation.Gelu => Gelu(),
        Activation.GeluTanh => Gelu(GeluApproximation.Tanh),
        Activation.Tanh => Tanh(),
        Activation.Sigmoid => Sigmoid(),
        _ => throw new ArgumentException($"activate: unknown activation {activation}"),
    };

    /// <summary>cond ? a : b elementwise, broadcast; cond is Bool (or a Float32 mask, nonzero for true).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => WhereFunction.Apply(condition, a, b);

    // Comparisons: Bool tensors, computed exactly in the operands' promoted dtype; no gradient.
    public Tensor Eq(Tensor other) => Compare(Comparison.Equal, other);
    public Tensor Ne(Tensor other) => Compare(Comparison.NotEqual, other);
    public Tensor Lt(Tensor other) => Compare(Comparison.Less, other);
    public Tensor Le(Tensor other) => Compare(Comparison.LessOrEqual, other);
    public Tensor Gt(Tensor other) => Compare(Comparison.Greater, other);
    public Tensor Ge(Tensor other) => Compare(Comparison.GreaterOrEqual, other);
    public Tensor Eq(double value) => CompareScalar(Comparison.Equal, value);
    public Tensor Ne(double value) => CompareScalar(Comparison.NotEqual, value);
    public Tensor Lt(double value) => CompareScalar(Comparison.Less, value);
    public Tensor Le(double value) => CompareScalar(Comparison.LessOrEqual, value);
    public Tensor Gt(double value) => CompareScalar(Comparison.Greater, value);
    public Tensor Ge(double value) => CompareScalar(Comparison.GreaterOrEqual, value);

    // An integer scalar keeps an integer tensor's dtype, as torch's `ids == 0`: exact for ids above 2^24.
    public Tensor Eq(long value) => CompareScalar(Comparison.Equal, value);
    public Tensor Ne(long value) => CompareScalar(Comparison.NotEqual, value);
    public Tensor Lt(long value) => CompareScalar(Comparison.Less, value);
    public Tensor Le(long value) => CompareScalar(Comparison.LessOrEqual, value);
    public Tensor Gt(long value) => CompareScalar(Comparison.Greater, value);
    public Tensor Ge(long value) => CompareScalar(Comparison.GreaterOrEqual, value);

    private Tensor Compare(Comparison kind, Tensor other) => CompareFunction.Apply(kind, this, other);

    // A scalar takes the tensor's dtype when that is floating point (a Python float does not promote), else Float32.
    private Tensor CompareScalar(Comparison kind, double value)
    {
        using var scalar = Full([], value, DTypePromotion.WithFloatScalar(DType), Device);
        return Compare(kind, scalar);
    }

    private Tensor CompareScalar(Comparison kind, long value)
    {
        var dtype = DTypePromotion.WithIntScalar(DType);
        // A value the tensor's integer dtype cannot hold compares in Int64 (a Full of it would be refused).
        if (dtype.IsInteger() && !Fits(value, dtype)) dtype = DType.Int64;
        using var scalar = dtype.IsFloatingPoint() ? Full([], (double)value, dtype, Device) : Full([], value, dtype, Device);
        return Compare(kind, scalar);
    }

    private static bool Fits(long value, DType integer) => integer switch
    {
        DType.Int32 => value is >= int.MinValue and <= int.MaxValue,
        DType.Int8 => value is >= sbyte.MinValue and <= sbyte.MaxValue,
        DType.UInt8 => value is >= byte.MinValue and <= byte.MaxValue,
        _ => true,
    };

}
