namespace DeepNet.Kernels.Fused;

/// <summary>
/// A lane type for formulas written once: <see cref="FloatLane"/> (one float: scalar tails and
/// GPU kernels) and <see cref="Vector256Lane"/> (eight floats: the SIMD body). A fused update's
/// formula is a generic method over TLane using only these members, so its vector body, its
/// scalar tail and its GPU kernel evaluate the same expression, op for op, in the same order.
/// ILGPU 1.5.3 compiles the static abstract calls of the FloatLane instantiation (constrained
/// calls on a struct; checked by PtxCompileTests).
/// </summary>
public interface ILane<TSelf> where TSelf : struct, ILane<TSelf>
{
    /// <summary>The lanes of <paramref name="source"/> from <paramref name="index"/> (CPU only).</summary>
    static abstract TSelf Load(ReadOnlySpan<float> source, int index);

    /// <summary>Writes the lanes to <paramref name="destination"/> from <paramref name="index"/> (CPU only).</summary>
    void Store(Span<float> destination, int index);

    /// <summary>Lane-wise a + b.</summary>
    static abstract TSelf operator +(TSelf a, TSelf b);

    /// <summary>Lane-wise a + b, b broadcast.</summary>
    static abstract TSelf operator +(TSelf a, float b);

    /// <summary>Lane-wise a − b.</summary>
    static abstract TSelf operator -(TSelf a, TSelf b);

    /// <summary>Lane-wise a·b.</summary>
    static abstract TSelf operator *(TSelf a, TSelf b);

    /// <summary>Lane-wise a·b, a broadcast.</summary>
    static abstract TSelf operator *(float a, TSelf b);

    /// <summary>Lane-wise a / b.</summary>
    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary>Lane-wise a / b, b broadcast.</summary>
    static abstract TSelf operator /(TSelf a, float b);

    /// <summary>Lane-wise √a (correctly rounded, as MathF.Sqrt).</summary>
    static abstract TSelf Sqrt(TSelf a);

    /// <summary>Lane-wise max(a, b), as MathF.Max.</summary>
    static abstract TSelf Max(TSelf a, TSelf b);
}
