using System.Buffers;

namespace DeepNet.Kernels.Cpu;

/// <summary>A CPU buffer: a pooled managed array (may be longer than Length).</summary>
public sealed class CpuBuffer : DeviceBuffer
{
    internal CpuBuffer(CpuBackend backend, long length, bool zeroed) : base(backend, length)
    {
        if (length > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(length), $"cpu: buffer of {length} floats is too large");
        Data = ArrayPool<float>.Shared.Rent((int)Math.Max(length, 1));
        if (zeroed) Array.Clear(Data, 0, (int)length);
    }

    public float[] Data { get; private set; }

    public Span<float> Span => Data.AsSpan(0, (int)Length);

    protected override void Release()
    {
        ArrayPool<float>.Shared.Return(Data);
        Data = [];
    }
}
