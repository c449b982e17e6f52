using System.Diagnostics;

namespace DeepNet.Compare;

/// <summary>
/// Load-independent evidence for a shared machine: runs only the DeepNet step (or, with
/// <c>--side torch</c>, only libtorch's, for its CPU time under the same load) and reports managed
/// bytes allocated per step (all threads) and process CPU time per step. With --loop it keeps
/// stepping for that many seconds so a profiler (dotnet-trace, valgrind) can attach or wrap it.
/// </summary>
public static class DeepNetProfile
{
    public static void Run(Workload w, double loopSeconds, int fixedSteps, bool allocationTypes = false, bool torch = false)
    {
        var side = torch ? w.Torch() : w.DeepNet();
        try
        {
            for (int i = 0; i < 20; i++) side.Step();
            // A fixed count makes instruction counts (valgrind --tool=callgrind) comparable between runs.
            int steps = fixedSteps > 0 ? fixedSteps : StepsFor(side.Step, 300);
            long bytes = GC.GetTotalAllocatedBytes(precise: true);
            int gen0 = GC.CollectionCount(0);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) side.Step();
            double wallMs = wall.Elapsed.TotalMilliseconds / steps;
            double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / steps;
            double perStep = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)steps;
            string gflops = w.Flops > 0 ? $", {w.Flops / cpuMs / 1e6:F1} GFLOP/s per core-second" : "";
            Console.WriteLine($"{w.Name}{(torch ? " (torch)" : "")}: alloc {perStep:F0} B/step, cpu {cpuMs:F4} ms/step, wall {wallMs:F4} ms/step, gen0 {GC.CollectionCount(0) - gen0} in {steps} steps{gflops}");
            if (allocationTypes)
            {
                using var sampler = new AllocationSampler();
                for (int i = 0; i < Math.Max(steps, 200); i++) side.Step();
                Console.WriteLine($"{w.Name}: allocation ticks (one per ~100 KB) by type over {Math.Max(steps, 200)} steps:");
                foreach (var line in sampler.Report(25)) Console.WriteLine(line);
            }
            var loop = Stopwatch.StartNew();
            while (loop.Elapsed.TotalSeconds < loopSeconds) side.Step();
        }
        finally { side.Cleanup(); }
    }

    private static int StepsFor(Action step, double targetMs)
    {
        var sw = Stopwatch.StartNew();
        step();
        return (int)Math.Clamp(targetMs / Math.Max(sw.Elapsed.TotalMilliseconds, 1e-4), 5, 200_000);
    }
}
