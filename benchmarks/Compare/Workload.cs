namespace DeepNet.Compare;

/// <summary>
/// One workload timed in both libraries: a step for each, built once with its inputs, and a
/// cleanup that frees both sides' tensors. <see cref="Flops"/> (per step) is optional, for GFLOP/s.
/// </summary>
public sealed record Workload(string Name, Action DeepNetStep, Action TorchStep, Action Cleanup, double Flops = 0)
{
    /// <summary>Steps per timed batch, chosen so a batch lasts long enough to time (set by the runner).</summary>
    public int StepsPerBatch { get; set; } = 1;
}
