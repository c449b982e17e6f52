using ILGPU;

namespace DeepNet.Kernels.Elements;

/// <summary>
/// float32 ⇄ float16 / bfloat16 by integer bit arithmetic, so the same code runs on the CPU and
/// inside ILGPU kernels (no System.Half there). float32 → 16-bit rounds to nearest, ties to even;
/// float16 NaN keeps sign and top payload bits and widens quiet (as System.Half), bfloat16 NaN becomes 0x7FC0
/// (as c10::BFloat16). Oracles: System.Half and an exhaustive 16-bit round trip (HalfBitsTests).
/// </summary>
public static class HalfBits
{
    public static ushort FloatToHalf(float value)
    {
        uint x = Interop.FloatAsInt(value);
        uint sign = (x >> 16) & 0x8000u;
        uint abs = x & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return (ushort)(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
        if (abs >= 0x477FF000u) return (ushort)(sign | 0x7C00u);   // ≥ 65520 rounds to infinity
        uint e = abs >> 23;
        if (e < 113)
        {
            // Subnormal half: round(mantissa·2^(e−126)), the unit being 2^−24.
            if (e < 102) return (ushort)sign;
            uint m = (abs & 0x7FFFFFu) | 0x800000u;
            int shift = 126 - (int)e;
            uint r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
            if (rem > half || (rem == half && (r & 1u) == 1u)) r++;
            return (ushort)(sign | r);
        }
        uint n = (abs - 0x38000000u) >> 13;   // rebias the exponent by 127 − 15
        uint tail = abs & 0x1FFFu;
        if (tail > 0x1000u || (tail == 0x1000u && (n & 1u) == 1u)) n++;   // a carry into the exponent is right
        return (ushort)(sign | n);
    }

    public static float HalfToFloat(ushort bits)
    {
        uint h = bits;
        uint sign = (h & 0x8000u) << 16;
        uint e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
        if (e == 0x1F) return Interop.IntAsFloat(sign | (m != 0 ? 0x7FC00000u : 0x7F800000u) | (m << 13));   // NaNs come out quiet, as the hardware's

        if (e == 0)
        {
            float v = m * 5.9604644775390625e-8f;   // m·2^−24, exact
            return sign != 0 ? -v : v;
        }
        return Interop.IntAsFloat(sign | ((e + 112) << 23) | (m << 13));
    }

    public static ushort FloatToBFloat16(float value)
    {
        uint x = Interop.FloatAsInt(value);
        if ((x & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
        x += 0x7FFFu + ((x >> 16) & 1u);   // round to nearest even on the dropped 16 bits
        return (ushort)(x >> 16);
    }

    public static float BFloat16ToFloat(ushort bits) => Interop.IntAsFloat((uint)bits << 16);
}
