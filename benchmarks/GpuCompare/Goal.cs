namespace DeepNet.GpuCompare;

/// <summary>
/// A speed goal from the issues: DeepNet's speed relative to PyTorch's (torch_ms / deepnet_ms)
/// must be at least <paramref name="MinSpeed"/>. Same work on both sides, so for the
/// bandwidth-bound workloads this is also the ratio of achieved bandwidths.
/// </summary>
public sealed record Goal(double MinSpeed, string Source)
{
    public bool IsMet(double speed) => speed >= MinSpeed;
}
