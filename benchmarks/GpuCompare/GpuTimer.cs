using System.Diagnostics;
using DeepNet.Kernels.Gpu;
using DeepNet.Tensors;

namespace DeepNet.GpuCompare;

/// <summary>
/// Wall-clock median of a workload on a device: warm-up runs first (they also compile the
/// generic kernels that WarmUp cannot know in advance), then each timed run is bracketed by
/// device synchronizations so it measures queued GPU work end to end, as CUDA events do in
/// pytorch_compare.py.
/// </summary>
public static class GpuTimer
{
    /// <summary>Median milliseconds of <paramref name="reps"/> runs after <paramref name="warmup"/> untimed ones.</summary>
    public static double MedianMs(GpuWorkload workload, Device device, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++) workload.Run();
        device.Synchronize();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            workload.Run();
            device.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
    }

    /// <summary>Kernel launches and host syncs of one untimed run (the sync after it is not counted).</summary>
    public static GpuCounters CountOneRun(GpuWorkload workload, Device device, GpuBackend backend)
    {
        var before = backend.Counters;
        workload.Run();
        var counts = backend.Counters - before;
        device.Synchronize();
        return counts;
    }
}
