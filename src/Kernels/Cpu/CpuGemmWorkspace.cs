namespace DeepNet.Kernels.Cpu;

// Per-thread packing buffers of the CPU GEMM: A block [MC×KC] and B block [KC×NC], pinned and
// 64-byte aligned so micro-kernel loads never split a cache line. Allocated once per thread
// (pool threads live for the process), so a GEMM allocates nothing in steady state.
// Oracle: CpuMatMulTests (every GEMM passes through these buffers).

/// <summary>Pinned, aligned packing buffers owned by one thread.</summary>
internal sealed unsafe class CpuGemmWorkspace
{
    [ThreadStatic] private static CpuGemmWorkspace? _current;

    private readonly float[] _a, _b;

    private CpuGemmWorkspace()
    {
        int aLength = CpuGemm.Mc * CpuGemm.Kc, bLength = CpuGemm.Kc * CpuGemm.Nc;
        // 16 floats for the 64-byte alignment, then Slack floats past the block.
        _a = GC.AllocateUninitializedArray<float>(aLength + 16 + Slack, pinned: true);
        _b = GC.AllocateUninitializedArray<float>(bLength + 16 + Slack, pinned: true);
        PackA = Align(_a);
        PackB = Align(_b);
    }

    /// <summary>Floats writable past the end of each block: packings may store a whole vector past their last element.</summary>
    public const int Slack = 16;

    /// <summary>The packed A block, MC×KC floats.</summary>
    public float* PackA { get; }

    /// <summary>The packed B block, KC×NC floats.</summary>
    public float* PackB { get; }

    /// <summary>Scratch for the skinny path, grown on demand (not pinned).</summary>
    public float[] Scratch { get; private set; } = [];

    public static CpuGemmWorkspace ForThread() => _current ??= new CpuGemmWorkspace();

    /// <summary>A scratch span of at least <paramref name="length"/> floats (contents undefined).</summary>
    public Span<float> ScratchOf(int length)
    {
        if (Scratch.Length < length) Scratch = new float[Math.Max(length, 2 * Scratch.Length)];
        return Scratch.AsSpan(0, length);
    }

    private static float* Align(float[] pinned)
    {
        fixed (float* p = pinned)
        {
            // The array is pinned for its lifetime, so the address stays valid after fixed ends.
            long misalign = (long)p & 63;
            return misalign == 0 ? p : p + (64 - misalign) / sizeof(float);
        }
    }
}
