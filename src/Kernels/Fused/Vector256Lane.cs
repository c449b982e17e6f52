using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Fused;

/// <summary>Eight floats as an <see cref="ILane{TSelf}"/>: the SIMD form of a lane formula (CPU bodies).</summary>
public readonly struct Vector256Lane(Vector256<float> value) : ILane<Vector256Lane>
{
    /// <summary>Floats per lane.</summary>
    public static int Count => Vector256<float>.Count;

    /// <summary>The lanes.</summary>
    public Vector256<float> Value { get; } = value;

    /// <inheritdoc/>
    public static Vector256Lane Load(ReadOnlySpan<float> source, int index) => new(Vector256.Create(source[index..]));

    /// <inheritdoc/>
    public void Store(Span<float> destination, int index) => Value.CopyTo(destination[index..]);

    /// <inheritdoc/>
    public static Vector256Lane operator +(Vector256Lane a, Vector256Lane b) => new(a.Value + b.Value);

    /// <inheritdoc/>
    public static Vector256Lane operator +(Vector256Lane a, float b) => new(a.Value + Vector256.Create(b));

    /// <inheritdoc/>
    public static Vector256Lane operator -(Vector256Lane a, Vector256Lane b) => new(a.Value - b.Value);

    /// <inheritdoc/>
    public static Vector256Lane operator *(Vector256Lane a, Vector256Lane b) => new(a.Value * b.Value);

    /// <inheritdoc/>
    public static Vector256Lane operator *(float a, Vector256Lane b) => new(Vector256.Create(a) * b.Value);

    /// <inheritdoc/>
    public static Vector256Lane operator /(Vector256Lane a, Vector256Lane b) => new(a.Value / b.Value);

    /// <inheritdoc/>
    public static Vector256Lane operator /(Vector256Lane a, float b) => new(a.Value / Vector256.Create(b));

    /// <inheritdoc/>
    public static Vector256Lane Sqrt(Vector256Lane a) => new(Vector256.Sqrt(a.Value));

    /// <inheritdoc/>
    public static Vector256Lane Max(Vector256Lane a, Vector256Lane b) => new(Vector256.Max(a.Value, b.Value));
}
