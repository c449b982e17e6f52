namespace DeepNet.GpuCompare;

/// <summary>
/// One timed workload: <paramref name="Run"/> queues the work (the timer synchronizes the
/// device after it); <paramref name="Rate"/> turns milliseconds into a throughput label
/// (GFLOP/s, GB/s, images/s); <paramref name="Goals"/> are the issues' targets vs PyTorch.
/// </summary>
public sealed record GpuWorkload(string Name, Action Run, Func<double, string> Rate, IReadOnlyList<Goal> Goals, Action Cleanup);
