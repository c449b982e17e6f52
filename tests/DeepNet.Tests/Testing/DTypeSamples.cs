using DeepNet.Kernels;

namespace DeepNet.Tests.Testing;

/// <summary>
/// Host values of every element type for the cast tests, and the reference conversion written
/// with .NET's own conversions (System.Half, double, unchecked integer casts), independent of the
/// kernels' accessors. A value is carried as double (float types) or long (integers, bool).
/// </summary>
public static class DTypeSamples
{
    public static readonly ElementType[] All = Enum.GetValues<ElementType>();

    /// <summary>Random raw bits mixed with integers, halves and the special values of each type.</summary>
    public static Array Values(ElementType type, int seed, int n)
    {
        var rng = new Random(seed);
        double Nice() => rng.Next(6) switch
        {
            0 => rng.Next(-300, 300),
            1 => rng.Next(-300, 300) + 0.5,
            2 => (rng.NextDouble() - 0.5) * 1e6,
            3 => (rng.NextDouble() - 0.5) * 4,
            4 => new[] { 0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 65504, 65520, 1e-8, 3e38 }[rng.Next(9)],
            _ => BitConverter.Int64BitsToDouble(rng.NextInt64()),
        };
        bool raw() => rng.Next(2) == 0;
        switch (type)
        {
            case ElementType.Float32: return Enumerable.Range(0, n).Select(_ => raw() ? BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31)) : (float)Nice()).ToArray();
            case ElementType.Float64: return Enumerable.Range(0, n).Select(_ => Nice()).ToArray();
            case ElementType.Float16: return Enumerable.Range(0, n).Select(_ => raw() ? BitConverter.UInt16BitsToHalf((ushort)rng.Next(65536)) : (Half)Nice()).ToArray();
            case ElementType.BFloat16: return Enumerable.Range(0, n).Select(_ => raw() ? BFloat16.FromBits((ushort)rng.Next(65536)) : (BFloat16)(float)Nice()).ToArray();
            case ElementType.Int64: return Enumerable.Range(0, n).Select(_ => rng.Next(3) switch { 0 => rng.NextInt64(), 1 => rng.Next(-300, 300), _ => (1L << 53) + rng.Next(-3, 4) }).ToArray();
            case ElementType.Int32: return Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0 ? rng.Next() - rng.Next() : rng.Next(-300, 300)).ToArray();
            case ElementType.Int8: return Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray();
            case ElementType.UInt8: return Enumerable.Range(0, n).Select(_ => (byte)rng.Next(256)).ToArray();
            default: return Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0).ToArray();
        }
    }

    public static bool IsFloat(ElementType t) => t.IsFloat();

    /// <summary>Element i as double (float types) or long (integers, bool).</summary>
    public static (double D, long L) Read(Array values, int i) => values switch
    {
        float[] a => (a[i], 0),
        double[] a => (a[i], 0),
        Half[] a => ((double)a[i], 0),
        BFloat16[] a => ((double)a[i], 0),
        long[] a => (0, a[i]),
        int[] a => (0, a[i]),
        bool[] a => (0, a[i] ? 1 : 0),
        _ when values.GetType() == typeof(sbyte[]) => (0, ((sbyte[])values)[i]),
        _ => (0, ((byte[])values)[i]),
    };

    /// <summary>
    /// The expected bits of converting element i of <paramref name="values"/> (of <paramref name="from"/>) to
    /// <paramref name="to"/>, as raw little-endian bits in a ulong; null when the conversion is undefined in
    /// torch (a float out of an integer type's range, or NaN, into an integer).
    /// </summary>
    public static ulong? Expected(ElementType from, Array values, int i, ElementType to)
    {
        if (from == to) return Bits(values, i);   // a same-type cast is a copy, bit for bit (signaling NaNs too)
        var (d, l) = Read(values, i);
        bool fromFloat = IsFloat(from);
        float f = fromFloat ? (float)d : l;   // one rounding from long (x64 cvtsi2ss), none from a float32 source
        switch (to)
        {
            case ElementType.Float32: return (uint)BitConverter.SingleToInt32Bits(fromFloat ? (float)d : l);
            case ElementType.Float64: return (ulong)BitConverter.DoubleToInt64Bits(fromFloat ? d : l);
            case ElementType.Float16: return BitConverter.HalfToUInt16Bits((Half)f);
            case ElementType.BFloat16: return ReferenceBFloat16(f);
            case ElementType.Bool: return (fromFloat ? d != 0 : l != 0) ? 1UL : 0UL;
        }
        long value;
        if (fromFloat)
        {
            if (double.IsNaN(d)) return null;
            double t = Math.Truncate(d);
            var (min, max) = to switch
            {
                ElementType.Int64 => (-9.2233720368547758e18, 9.2233720368547748e18),
                ElementType.Int32 => (int.MinValue, (double)int.MaxValue),
                ElementType.Int8 => (sbyte.MinValue, (double)sbyte.MaxValue),
                _ => (0.0, 255.0),
            };
            if (t < min || t > max) return null;
            value = (long)t;
        }
        else value = l;
        return to switch
        {
            ElementType.Int64 => (ulong)value,
            ElementType.Int32 => (uint)unchecked((int)value),
            ElementType.Int8 => (byte)unchecked((sbyte)value),
            _ => unchecked((byte)value),
        };
    }

    /// <summary>Element i's raw bits (as <see cref="Expected"/> writes them).</summary>
    public static ulong Bits(Array values, int i) => values switch
    {
        float[] a => (uint)BitConverter.SingleToInt32Bits(a[i]),
        double[] a => (ulong)BitConverter.DoubleToInt64Bits(a[i]),
        Half[] a => BitConverter.HalfToUInt16Bits(a[i]),
        BFloat16[] a => a[i].Bits,
        long[] a => (ulong)a[i],
        int[] a => (uint)a[i],
        bool[] a => a[i] ? 1UL : 0UL,
        _ when values.GetType() == typeof(sbyte[]) => (byte)((sbyte[])values)[i],
        _ => ((byte[])values)[i],
    };

    /// <summary>Round to nearest, ties to even, by comparing distances in double (exact for these magnitudes); NaN → 0x7FC0.</summary>
    public static ushort ReferenceBFloat16(float f)
    {
        if (float.IsNaN(f)) return 0x7FC0;
        uint bits = (uint)BitConverter.SingleToInt32Bits(f);
        ushort lo = (ushort)(bits >> 16);
        if ((bits & 0xFFFF) == 0) return lo;
        ushort hi = (ushort)(lo + 1);
        double Value(ushort b) => (b & 0x7FFF) == 0x7F80 ? Math.CopySign(Math.Pow(2, 128), f) : BitConverter.Int32BitsToSingle(b << 16);
        double dl = Math.Abs(f - Value(lo)), dh = Math.Abs(Value(hi) - f);
        return dl < dh ? lo : dh < dl ? hi : (lo & 1) == 0 ? lo : hi;
    }
}
