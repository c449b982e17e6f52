namespace DeepNet.Kernels.Gpu;

/// <summary>Addition in <typeparamref name="T"/> for kernels written once over float and double (a struct, so ILGPU specializes it).</summary>
internal interface IGpuSum<T> where T : unmanaged
{
    T Add(T a, T b);
}

/// <summary>float + float (a float accumulator, as the CPU kernels).</summary>
internal readonly struct GpuFloatSum : IGpuSum<float>
{
    public float Add(float a, float b) => a + b;
}

/// <summary>double + double.</summary>
internal readonly struct GpuDoubleSum : IGpuSum<double>
{
    public double Add(double a, double b) => a + b;
}
