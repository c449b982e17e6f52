using ILGPU;

namespace DeepNet.Kernels.Gpu;

/// <summary>Addition in <typeparamref name="T"/> for kernels written once over float and double (a struct, so ILGPU specializes it).</summary>
internal interface IGpuSum<T> where T : unmanaged
{
    T Add(T a, T b);

    /// <summary>target += value, atomically (scatter-add).</summary>
    void AtomicAdd(ref T target, T value);
}

/// <summary>float + float (a float accumulator, as the CPU kernels).</summary>
internal readonly struct GpuFloatSum : IGpuSum<float>
{
    public float Add(float a, float b) => a + b;

    public void AtomicAdd(ref float target, float value) => Atomic.Add(ref target, value);
}

/// <summary>double + double.</summary>
internal readonly struct GpuDoubleSum : IGpuSum<double>
{
    public double Add(double a, double b) => a + b;

    public void AtomicAdd(ref double target, double value) => Atomic.Add(ref target, value);
}
