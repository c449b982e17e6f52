namespace DeepNet.Kernels.Fused;

/// <summary>One float as an <see cref="ILane{TSelf}"/>: the scalar form of a lane formula (CPU tails, GPU kernels).</summary>
public readonly struct FloatLane(float value) : ILane<FloatLane>
{
    /// <summary>The lane's value.</summary>
    public float Value { get; } = value;

    /// <summary>Wraps a float.</summary>
    public static implicit operator FloatLane(float value) => new(value);

    /// <summary>Unwraps the float.</summary>
    public static implicit operator float(FloatLane lane) => lane.Value;

    /// <inheritdoc/>
    public static FloatLane Load(ReadOnlySpan<float> source, int index) => new(source[index]);

    /// <inheritdoc/>
    public void Store(Span<float> destination, int index) => destination[index] = Value;

    /// <inheritdoc/>
    public static FloatLane operator +(FloatLane a, FloatLane b) => new(a.Value + b.Value);

    /// <inheritdoc/>
    public static FloatLane operator +(FloatLane a, float b) => new(a.Value + b);

    /// <inheritdoc/>
    public static FloatLane operator -(FloatLane a, FloatLane b) => new(a.Value - b.Value);

    /// <inheritdoc/>
    public static FloatLane operator *(FloatLane a, FloatLane b) => new(a.Value * b.Value);

    /// <inheritdoc/>
    public static FloatLane operator *(float a, FloatLane b) => new(a * b.Value);

    /// <inheritdoc/>
    public static FloatLane operator /(FloatLane a, FloatLane b) => new(a.Value / b.Value);

    /// <inheritdoc/>
    public static FloatLane operator /(FloatLane a, float b) => new(a.Value / b);

    /// <inheritdoc/>
    public static FloatLane Sqrt(FloatLane a) => new(MathF.Sqrt(a.Value));

    /// <inheritdoc/>
    public static FloatLane Max(FloatLane a, FloatLane b) => new(MathF.Max(a.Value, b.Value));
}
