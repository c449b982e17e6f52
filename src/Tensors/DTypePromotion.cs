namespace DeepNet.Tensors;

/// <summary>
/// PyTorch's type promotion (torch.promote_types) for the dtypes DeepNet has, as a table
/// (docs/dtypes.md): Bool &lt; UInt8, Int8 &lt; Int32 &lt; Int64 &lt; BFloat16, Float16 &lt; Float32 &lt;
/// Float64; an integer with a float gives the float; Float16 with BFloat16 gives Float32. UInt8
/// with Int8 (Int16 in torch) has no DeepNet dtype and is refused naming both. A scalar
/// operand (a C# float, torch's Python float) never widens a floating-point tensor and turns an
/// integer or Bool tensor into Float32 (torch's default dtype).
/// </summary>
public static class DTypePromotion
{
    /// <summary>The dtype of an op on tensors of <paramref name="a"/> and <paramref name="b"/>; throws naming both when none exists.</summary>
    public static DType Promote(DType a, DType b, string op = "promote_types")
    {
        if (a == b) return a;
        if (a == DType.Bool) return b;
        if (b == DType.Bool) return a;
        bool fa = a.IsFloatingPoint(), fb = b.IsFloatingPoint();
        if (fa && fb)
        {
            if (a == DType.Float64 || b == DType.Float64) return DType.Float64;
            return DType.Float32;   // f32 with a half type, and f16 with bf16
        }
        if (fa) return a;
        if (fb) return b;
        if ((a, b) is (DType.UInt8, DType.Int8) or (DType.Int8, DType.UInt8))
            throw new ArgumentException($"{op}: {a} and {b} promote to int16 in torch, which DeepNet has no dtype for; convert one with To(DType.Int32) first");
        return Rank(a) >= Rank(b) ? a : b;
    }

    /// <summary>The dtype of an op between a tensor of <paramref name="tensor"/> and a C# float scalar.</summary>
    public static DType WithFloatScalar(DType tensor) => tensor.IsFloatingPoint() ? tensor : DType.Float32;

    /// <summary>
    /// The dtype of (a tensor of <paramref name="tensor"/>) op (a Python int): the tensor's own dtype, except
    /// Bool, which an integer scalar promotes to Int64 (torch: an int does not promote a tensor's category).
    /// </summary>
    public static DType WithIntScalar(DType tensor) => tensor == DType.Bool ? DType.Int64 : tensor;

    private static int Rank(DType integer) => integer switch
    {
        DType.Int64 => 3,
        DType.Int32 => 2,
        _ => 1,   // Int8, UInt8
    };
}
