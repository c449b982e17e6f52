using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;

namespace DeepNet.Kernels;

/// <summary>
/// Int8 weights [N, K] with one float scale per output channel (w ≈ scale[n]·q[n, k]), packed once
/// for one backend: <see cref="CpuInt8Weight"/> (the GEMM's panels) or <see cref="GpuInt8Weight"/>
/// (device int8 values). The fused quantized ops (Kernels/Fused/QuantizedLinear, QuantizedConv2D) consume it.
/// </summary>
public abstract class PackedInt8Weight : IDisposable
{
    protected PackedInt8Weight(IBackend backend, int n, int k, float[] scales)
    {
        if (scales.Length != n) throw new ArgumentException($"int8 weight: {scales.Length} scales for {n} output channels");
        Backend = backend;
        N = n;
        K = k;
        Scales = scales;
    }

    public IBackend Backend { get; }

    /// <summary>Output channels.</summary>
    public int N { get; }

    /// <summary>Inputs per output channel.</summary>
    public int K { get; }

    /// <summary>Per-output-channel scales (host copy).</summary>
    public float[] Scales { get; }

    /// <summary>Packs <paramref name="values"/> ([N, K] row-major) for <paramref name="backend"/>.</summary>
    public static PackedInt8Weight Pack(IBackend backend, ReadOnlySpan<sbyte> values, int n, int k, float[] scales) => backend switch
    {
        CpuBackend => new CpuInt8Weight(values, n, k, Int8GemmPaths.Best, scales),
        GpuBackend gpu => new GpuInt8Weight(gpu, values, n, k, scales),
        _ => throw new NotSupportedException($"int8 weight: backend '{backend.Name}' has no int8 kernels"),
    };

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
