using System.Runtime.Intrinsics.X86;

namespace DeepNet.Kernels.Cpu;

/// <summary>
/// The instruction paths of the int8 GEMM (<see cref="CpuInt8Gemm"/>). Each has its packed weight
/// layout; all give the same exact int32 result.
/// </summary>
public enum Int8GemmPath
{
    /// <summary>Plain C#: int16 pairs, 6×16 tiles. Runs everywhere.</summary>
    Scalar,

    /// <summary>AVX2 <c>vpmaddwd</c> on zero-extended u8 and sign-extended s8 (int16 pairs, exact), 6×16 tiles.</summary>
    Avx2,

    /// <summary>AVX-512BW <c>vpmaddwd</c> (int16 pairs, exact), 6×32 tiles.</summary>
    Avx512,

    /// <summary>AVX-VNNI <c>vpdpbusd</c> (u8×s8 quads straight into int32, no saturation), 6×16 tiles.</summary>
    AvxVnni,
}

/// <summary>Which <see cref="Int8GemmPath"/>s this machine runs and which is the default.</summary>
public static class Int8GemmPaths
{
    /// <summary>
    /// The fastest path this CPU has. VNNI first (one instruction per 4 products); .NET 10 exposes
    /// only the VEX form (<c>AvxVnni</c>), so an AVX-512-VNNI CPU without AVX-VNNI (Zen 4) takes
    /// the 512-bit <c>vpmaddwd</c> path.
    /// </summary>
    public static Int8GemmPath Best =>
        AvxVnni.IsSupported ? Int8GemmPath.AvxVnni
        : Avx512BW.IsSupported ? Int8GemmPath.Avx512
        : Avx2.IsSupported ? Int8GemmPath.Avx2
        : Int8GemmPath.Scalar;

    /// <summary>True when this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(Int8GemmPath path) => path switch
    {
        Int8GemmPath.Scalar => true,
        Int8GemmPath.Avx2 => Avx2.IsSupported,
        Int8GemmPath.Avx512 => Avx512BW.IsSupported,
        Int8GemmPath.AvxVnni => AvxVnni.IsSupported,
        _ => false,
    };

    /// <summary>Columns of one packed weight panel (the micro-tile width).</summary>
    internal static int PanelWidth(Int8GemmPath path) => path == Int8GemmPath.Avx512 ? 32 : 16;

    /// <summary>k values per packed 32-bit word: int16 pairs for vpmaddwd, byte quads for vpdpbusd.</summary>
    internal static int Group(Int8GemmPath path) => path == Int8GemmPath.AvxVnni ? 4 : 2;
}
