using System.Globalization;
using DeepNet.Kernels.Elements;

namespace DeepNet.Kernels;

/// <summary>
/// The bfloat16 number format (the top 16 bits of a float32: 8 exponent bits, 7 mantissa bits),
/// as torch.bfloat16. Conversion from float32 rounds to nearest, ties to even; NaN stays NaN.
/// Arithmetic goes through float32 (explicit conversions), so it is only a storage type.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>The raw 16 bits.</summary>
    public ushort Bits { get; }

    public static BFloat16 FromBits(ushort bits) => new(bits);

    public static explicit operator BFloat16(float value) => new(HalfBits.FloatToBFloat16(value));

    public static explicit operator BFloat16(double value) => (BFloat16)(float)value;

    public static explicit operator float(BFloat16 value) => HalfBits.BFloat16ToFloat(value.Bits);

    public static explicit operator double(BFloat16 value) => HalfBits.BFloat16ToFloat(value.Bits);

    public static bool IsNaN(BFloat16 value) => float.IsNaN((float)value);

    /// <summary>Bitwise equality (NaN equals the same NaN, +0 differs from -0), as record fields compare.</summary>
    public bool Equals(BFloat16 other) => Bits == other.Bits;

    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    public override int GetHashCode() => Bits;

    public override string ToString() => ((float)this).ToString(CultureInfo.InvariantCulture);
}
