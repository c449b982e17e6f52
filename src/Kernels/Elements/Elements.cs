namespace DeepNet.Kernels.Elements;

// The accessors of every storage type. Float → integer truncates toward zero (C#'s conversion,
// which saturates, as PTX cvt.rzi does); integer → narrower integer wraps, as torch's casts.

public struct Float32Element : IElement<float>
{
    public readonly bool IsFloat => true;
    public readonly double ToDouble(float value) => value;
    public readonly long ToInt64(float value) => (long)value;
    public readonly float FromDouble(double value) => (float)value;
    public readonly float FromInt64(long value) => value;
}

public struct Float64Element : IElement<double>
{
    public readonly bool IsFloat => true;
    public readonly double ToDouble(double value) => value;
    public readonly long ToInt64(double value) => (long)value;
    public readonly double FromDouble(double value) => value;
    public readonly double FromInt64(long value) => value;
}

/// <summary>bfloat16 stored as its 16 bits.</summary>
public struct BFloat16Element : IElement<ushort>
{
    public readonly bool IsFloat => true;
    public readonly double ToDouble(ushort value) => HalfBits.BFloat16ToFloat(value);
    public readonly long ToInt64(ushort value) => (long)HalfBits.BFloat16ToFloat(value);
    public readonly ushort FromDouble(double value) => HalfBits.FloatToBFloat16((float)value);
    public readonly ushort FromInt64(long value) => HalfBits.FloatToBFloat16(value);
}

/// <summary>IEEE float16 stored as its 16 bits.</summary>
public struct Float16Element : IElement<ushort>
{
    public readonly bool IsFloat => true;
    public readonly double ToDouble(ushort value) => HalfBits.HalfToFloat(value);
    public readonly long ToInt64(ushort value) => (long)HalfBits.HalfToFloat(value);
    public readonly ushort FromDouble(double value) => HalfBits.FloatToHalf((float)value);
    public readonly ushort FromInt64(long value) => HalfBits.FloatToHalf(value);
}

public struct Int64Element : IElement<long>
{
    public readonly bool IsFloat => false;
    public readonly double ToDouble(long value) => value;
    public readonly long ToInt64(long value) => value;
    public readonly long FromDouble(double value) => (long)value;
    public readonly long FromInt64(long value) => value;
}

public struct Int32Element : IElement<int>
{
    public readonly bool IsFloat => false;
    public readonly double ToDouble(int value) => value;
    public readonly long ToInt64(int value) => value;
    public readonly int FromDouble(double value) => (int)(long)value;
    public readonly int FromInt64(long value) => (int)value;
}

public struct Int8Element : IElement<sbyte>
{
    public readonly bool IsFloat => false;
    public readonly double ToDouble(sbyte value) => value;
    public readonly long ToInt64(sbyte value) => value;
    public readonly sbyte FromDouble(double value) => (sbyte)(long)value;
    public readonly sbyte FromInt64(long value) => (sbyte)value;
}

public struct UInt8Element : IElement<byte>
{
    public readonly bool IsFloat => false;
    public readonly double ToDouble(byte value) => value;
    public readonly long ToInt64(byte value) => value;
    public readonly byte FromDouble(double value) => (byte)(long)value;
    public readonly byte FromInt64(long value) => (byte)value;
}

/// <summary>bool stored as one byte, 0 or 1; any nonzero value (NaN included) is true, as torch.</summary>
public struct BoolElement : IElement<byte>
{
    public readonly bool IsFloat => false;
    public readonly double ToDouble(byte value) => value != 0 ? 1 : 0;
    public readonly long ToInt64(byte value) => value != 0 ? 1 : 0;
    public readonly byte FromDouble(double value) => value != 0 ? (byte)1 : (byte)0;
    public readonly byte FromInt64(long value) => value != 0 ? (byte)1 : (byte)0;
}
