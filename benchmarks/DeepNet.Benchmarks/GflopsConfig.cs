using BenchmarkDotNet.Configs;

namespace DeepNet.Benchmarks;

/// <summary>Adds the GFLOP/s column to a benchmark class.</summary>
public sealed class GflopsConfig : ManualConfig
{
    public GflopsConfig() => AddColumn(new GflopsColumn());
}
