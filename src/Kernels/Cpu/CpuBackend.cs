using DeepNet.Kernels.Fused;

namespace DeepNet.Kernels.Cpu;

/// <summary>A loop body over [lo, hi) for <see cref="CpuBackend.For{TBody}(long, TBody, long)"/>.</summary>
internal interface IRangeBody
{
    void Run(long lo, long hi);
}

/// <summary>
/// The managed SIMD backend. One instance per process (<see cref="Instance"/>); each primitive
/// lives in its own partial file (CpuElementwise, CpuReduce, CpuMatMul, CpuIm2Col, CpuGather).
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    /// <summary>Below this many elements a kernel runs on the calling thread: forking costs more.</summary>
    internal const int ParallelThreshold = 1 << 15;

    public static CpuBackend Instance { get; } = new();

    private CpuBackend() { }

    public string Name => "cpu";

    /// <summary>The cache of freed buffers (size classes, bounded, trimmed when idle).</summary>
    public CpuBufferPool Pool => CpuBufferPool.Shared;

    public DeviceBuffer Allocate(long length, bool zeroed = true) => new CpuBuffer(this, Pool, length, ElementType.Float32, zeroed);

    public DeviceBuffer Allocate(long length, ElementType elementType, bool zeroed = true) => new CpuBuffer(this, Pool, length, elementType, zeroed);

    public void CopyFromHost(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset) =>
        source.CopyTo(Data(destination).AsSpan((int)destinationOffset, source.Length));

    public void CopyToHost(DeviceBuffer source, long sourceOffset, Span<float> destination) =>
        Data(source).AsSpan((int)sourceOffset, destination.Length).CopyTo(destination);

    public void Random(RandomKind kind, double a, double b, ulong seed, ulong counter, DeviceBuffer dst, long dstOffset, long length)
    {
        if (dst.ElementType == ElementType.Float64)
        {
            RandomFloat64(kind, a, b, seed, counter, Cpu(dst), dstOffset, length);
            return;
        }
        float[] d = Data(dst);
        int start = (int)dstOffset;
        float fa = (float)a, fb = (float)b;
        For(length, (lo, hi) =>
        {
            for (long i = lo; i < hi; i++) d[start + i] = CounterRandom.Sample(kind, fa, fb, seed, counter + (ulong)i);
        });
    }

    public void Run<TOp>(in TOp op) where TOp : struct, IFusedOp => op.RunCpu(this);

    public void Synchronize() { }

    internal static float[] Data(DeviceBuffer buffer) => Cpu(buffer).Data;

    /// <summary>The buffer as this backend's; throws naming the other backend otherwise.</summary>
    internal static CpuBuffer Cpu(DeviceBuffer buffer) =>
        buffer as CpuBuffer ?? throw new ArgumentException($"cpu: buffer belongs to backend '{buffer.Backend.Name}'");

    /// <summary>Runs body over [0, count) in chunks, in parallel above the threshold.</summary>
    internal static void For(long count, Action<long, long> body, long costPerItem = 1)
    {
        long work = count * costPerItem;
        int chunks = work < ParallelThreshold ? 1 : (int)Math.Min(Environment.ProcessorCount * 4, count);
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }
        CpuParallel.For(chunks, new RangeChunks(count, chunks, body));
    }

    /// <summary>As <see cref="For(long, Action{long, long}, long)"/> with a struct body: no closure or delegate per call (per-parameter optimizer updates, small ops).</summary>
    internal static void For<TBody>(long count, TBody body, long costPerItem = 1) where TBody : struct, IRangeBody
    {
        long work = count * costPerItem;
        int chunks = work < ParallelThreshold ? 1 : (int)Math.Min(Environment.ProcessorCount * 4, count);
        if (chunks <= 1)
        {
            body.Run(0, count);
            return;
        }
        CpuParallel.For(chunks, new RangeChunks<TBody>(count, chunks, body));
    }

    /// <summary>Chunk c of [0, count) cut into equal ranges.</summary>
    private readonly struct RangeChunks(long count, int chunks, Action<long, long> body) : IParallelBody
    {
        public void Run(int c) => body(count * c / chunks, count * (c + 1) / chunks);
    }

    private readonly struct RangeChunks<TBody>(long count, int chunks, TBody body) : IParallelBody where TBody : struct, IRangeBody
    {
        public void Run(int c) => body.Run(count * c / chunks, count * (c + 1) / chunks);
    }
}
