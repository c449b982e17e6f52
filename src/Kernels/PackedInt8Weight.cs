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

    /// <summary>
    /// True when K is ordered (r, s, c) rather than the weight's (c, r, s): the CPU convolution reads
    /// its im2row of a channels-last input, so runs of C·S bytes are contiguous.
    /// </summary>
    public bool ChannelsLast { get; protected init; }

    /// <summary>
    /// Packs <paramref name="values"/> ([N, K] row-major) for <paramref name="backend"/>. With
    /// <paramref name="convKernel"/> (C, R, S) the values are a convolution weight [N, C, R, S]: the
    /// CPU packs K in (r, s, c) order (<see cref="ChannelsLast"/>), the GPU keeps im2col's (c, r, s).
    /// </summary>
    public static PackedInt8Weight Pack(IBackend backend, ReadOnlySpan<sbyte> values, int n, int k, float[] scales,
        (int C, int R, int S)? convKernel = null) => backend switch
    {
        CpuBackend when convKernel is { } ck => new CpuInt8Weight(ChannelsLastOrder(values, n, ck), n, k, Int8GemmPaths.Best, scales) { ChannelsLast = true },
        CpuBackend => new CpuInt8Weight(values, n, k, Int8GemmPaths.Best, scales),
        GpuBackend gpu => new GpuInt8Weight(gpu, values, n, k, scales),
        _ => throw new NotSupportedException($"int8 weight: backend '{backend.Name}' has no int8 kernels"),
    };

    /// <summary>The table [N, K] row-major for row lookups (a quantized embedding), not for the GEMM.</summary>
    public static PackedInt8Weight Rows(IBackend backend, ReadOnlySpan<sbyte> values, int n, int k, float[] scales) => backend switch
    {
        CpuBackend => new CpuInt8Rows(values, n, k, scales),
        GpuBackend gpu => new GpuInt8Weight(gpu, values, n, k, scales),
        _ => throw new NotSupportedException($"int8 weight: backend '{backend.Name}' has no int8 kernels"),
    };

    private static sbyte[] ChannelsLastOrder(ReadOnlySpan<sbyte> values, int n, (int C, int R, int S) k)
    {
        if ((long)n * k.C * k.R * k.S != values.Length)
            throw new ArgumentException($"int8 weight: {values.Length} values are not [N={n}, C={k.C}, R={k.R}, S={k.S}]");
        var result = new sbyte[values.Length];
        int plane = k.R * k.S, size = k.C * plane;
        for (int o = 0; o < n; o++)
            for (int c = 0; c < k.C; c++)
                for (int rs = 0; rs < plane; rs++)
                    result[o * size + rs * k.C + c] = values[o * size + c * plane + rs];
        return result;
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
