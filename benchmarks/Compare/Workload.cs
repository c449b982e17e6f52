namespace DeepNet.Compare;

/// <summary>One library's half of a workload: a step, and a cleanup that frees its tensors.</summary>
public sealed record Side(Action Step, Action Cleanup);

/// <summary>
/// One workload in both libraries. Each side is built on demand, so the memory mode can build one
/// side per process; <see cref="Flops"/> (per step) is optional, for GFLOP/s. Training workloads
/// also get a peak-RSS row.
/// </summary>
public sealed record Workload(string Name, Func<Side> DeepNet, Func<Side> Torch, double Flops = 0, bool Training = false)
{
    /// <summary>Steps per timed batch, chosen so a batch lasts long enough to time (set by the runner).</summary>
    public int StepsPerBatch { get; set; } = 1;
}
