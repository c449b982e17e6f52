using System.Diagnostics;

namespace DeepNet.Compare;

/// <summary>
/// Load-independent evidence for a shared machine: runs only the DeepNet step and reports managed
/// bytes allocated per step (all threads) and process CPU time per step. With --loop it keeps
/// stepping for that many seconds so a profiler (dotnet-trace, valgrind) can attach or wrap it.
/// </summary>
public static class DeepNetProfile
{
    public static void Run(Workload w, double loopSeconds, int fixedSteps)
    {
        for (int i = 0; i < 20; i++) w.DeepNetStep();
        // A fixed count makes instruction counts (valgrind --tool=callgrind) comparable between runs.
        int steps = fixedSteps > 0 ? fixedSteps : StepsFor(w, 300);
        long bytes = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) w.DeepNetStep();
        double wallMs = wall.Elapsed.TotalMilliseconds / steps;
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / steps;
        double perStep = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)steps;
        Console.WriteLine($"{w.Name}: alloc {perStep:F0} B/step, cpu {cpuMs:F4} ms/step, wall {wallMs:F4} ms/step, gen0 {GC.CollectionCount(0) - gen0} in {steps} steps");
        var loop = Stopwatch.StartNew();
        while (loop.Elapsed.TotalSeconds < loopSeconds) w.DeepNetStep();
    }

    private static int StepsFor(Workload w, double targetMs)
    {
        var sw = Stopwatch.StartNew();
        w.DeepNetStep();
        return (int)Math.Clamp(targetMs / Math.Max(sw.Elapsed.TotalMilliseconds, 1e-4), 5, 200_000);
    }
}
