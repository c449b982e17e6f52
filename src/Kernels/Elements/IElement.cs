namespace DeepNet.Kernels.Elements;

/// <summary>
/// How a kernel reads and writes one storage type <typeparamref name="T"/>. A cast reads through the
/// source's accessor and writes through the destination's: floats go through double (exact for every
/// float source), integers and bools through long (exact), so every conversion rounds at most once,
/// except float64 → float16/bfloat16, which goes through float32 as c10's Half(float) does.
/// Written once, used by the CPU loops and the ILGPU kernels.
/// </summary>
public interface IElement<T> where T : unmanaged
{
    /// <summary>True when values are read as double; false when read as long.</summary>
    bool IsFloat { get; }

    double ToDouble(T value);

    long ToInt64(T value);

    T FromDouble(double value);

    T FromInt64(long value);
}
