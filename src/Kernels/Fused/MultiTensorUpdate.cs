using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace DeepNet.Kernels.Fused;

// Multi-tensor apply (torch's _foreach/fused optimizers, apex's multi_tensor_apply): one optimizer
// step over many parameters. CPU: each op's own SIMD body in turn. GPU: one launch per chunk of
// MultiTensorChunk.Capacity parameters instead of one per parameter; grid row y is entry y, its
// blocks stride over that parameter's elements, each element through the op's own per-element
// formula (the Step<TLane> of AdamUpdateOp etc.), so results equal the per-parameter kernels' bit for bit.
// Oracles: GpuParityTests.Optimizers (multi vs per-parameter on the emulator), GpuCountersTests (launches).

/// <summary>
/// The updates <paramref name="ops"/> (one per parameter, each with its own constants) as one fused
/// op: on the GPU ⌈count / 16⌉ launches. Empty updates are skipped.
/// </summary>
public readonly struct MultiTensorUpdate<TOp, TEntry>(IReadOnlyList<TOp> ops) : IFusedOp
    where TOp : struct, IMultiTensorUpdate<TEntry>
    where TEntry : struct, IMultiTensorEntry
{
    private const int GroupSize = 256;
    private const int MaxBlocksPerEntry = 1024;   // grid-stride beyond: enough blocks per parameter to fill an H100/H200

    /// <summary>The per-parameter updates.</summary>
    public IReadOnlyList<TOp> Ops { get; } = ops ?? throw new ArgumentNullException(nameof(ops));

    /// <inheritdoc/>
    public string Name => "multi_tensor_" + default(TOp).Name;

    /// <inheritdoc/>
    public void RunCpu(CpuBackend cpu)
    {
        for (int i = 0; i < Ops.Count; i++) Ops[i].RunCpu(cpu);   // indexed: foreach on the interface would box an enumerator
    }

    /// <summary>The kernel: grid row y runs entry y; its blocks stride over the entry's elements.</summary>
    public static void UpdateKernel(MultiTensorChunk<TEntry> chunk)
    {
        TEntry entry = chunk.Get(Grid.IdxY);
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < entry.Length; i += stride) entry.Apply(i);
    }

    /// <inheritdoc/>
    public void RunGpu(GpuBackend gpu)
    {
        var kernel = gpu.FusedKernel(typeof(MultiTensorUpdate<TOp, TEntry>), acc =>
            acc.LoadStreamKernel<MultiTensorChunk<TEntry>>(UpdateKernel));
        var chunk = default(MultiTensorChunk<TEntry>);
        int count = 0;
        long longest = 0;
        for (int i = 0; i < Ops.Count; i++)
        {
            var op = Ops[i];
            if (op.Length == 0) continue;
            gpu.Count(op.Length);   // kernels index with int
            chunk.Set(count++, op.GpuEntry(gpu));
            longest = Math.Max(longest, op.Length);
            if (count < MultiTensorChunk<TEntry>.Capacity) continue;
            Launch(kernel, ref chunk, count, longest);
            (count, longest) = (0, 0);
        }
        if (count > 0) Launch(kernel, ref chunk, count, longest);
    }

    private static void Launch(Action<KernelConfig, MultiTensorChunk<TEntry>> kernel, ref MultiTensorChunk<TEntry> chunk, int count, long longest)
    {
        // Unused slots get a real entry, so the launcher never marshals a default (bufferless) view.
        for (int k = count; k < MultiTensorChunk<TEntry>.Capacity; k++) chunk.Set(k, chunk.Get(count - 1));
        int blocks = (int)Math.Min((longest + GroupSize - 1) / GroupSize, MaxBlocksPerEntry);
        kernel(new KernelConfig(new Index2D(blocks, count), new Index2D(GroupSize, 1)), chunk);
    }
}
