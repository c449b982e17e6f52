namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Work a <see cref="GpuBackend"/> has done since it was created: kernel launches (every kernel,
/// fused ones included) and host synchronizations (the host waiting for the device: a
/// <c>CopyToHost</c>, i.e. reading a value, or an explicit <c>Synchronize</c>). Take a snapshot
/// before and after a training step and subtract to get the per-step counts.
/// </summary>
public readonly record struct GpuCounters(long KernelLaunches, long HostSyncs)
{
    /// <summary>The counts between two snapshots: <c>after - before</c>.</summary>
    public static GpuCounters operator -(GpuCounters after, GpuCounters before) =>
        new(after.KernelLaunches - before.KernelLaunches, after.HostSyncs - before.HostSyncs);

    public override string ToString() => $"{KernelLaunches} kernel launches, {HostSyncs} host syncs";
}
