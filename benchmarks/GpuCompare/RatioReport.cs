namespace DeepNet.GpuCompare;

/// <summary>
/// Pairs DeepNet's and PyTorch's timings: `name: deepnet_ms torch_ms ratio` with ratio =
/// deepnet_ms / torch_ms (issue 8's convention, lower is better), then each issue goal as a
/// speed (torch_ms / deepnet_ms, higher is better) and whether it is met.
/// </summary>
public static class RatioReport
{
    /// <summary>Prints the table and the goals; returns the number of goals not met or not measurable.</summary>
    public static int Print(IReadOnlyList<(GpuWorkload Workload, double Ms)> deepNet, IReadOnlyDictionary<string, double> torch)
    {
        Console.WriteLine();
        Console.WriteLine("# name: deepnet_ms torch_ms ratio (deepnet/torch, lower is better)");
        foreach (var (w, ms) in deepNet)
            Console.WriteLine(torch.TryGetValue(w.Name, out double t)
                ? $"{w.Name}: {ms:F4} {t:F4} {ms / t:F3}"
                : $"{w.Name}: {ms:F4} - -   # no torch line for {w.Name}");

        Console.WriteLine();
        Console.WriteLine("# goals (speed = torch_ms / deepnet_ms)");
        int missed = 0;
        foreach (var (w, ms) in deepNet)
        {
            foreach (var goal in w.Goals)
            {
                if (!torch.TryGetValue(w.Name, out double t))
                {
                    Console.WriteLine($"goal {w.Name}: no torch timing, cannot check [{goal.Source}]");
                    missed++;
                    continue;
                }
                double speed = t / ms;
                bool met = goal.IsMet(speed);
                if (!met) missed++;
                Console.WriteLine($"goal {w.Name}: speed {speed:F3}x, needs >= {goal.MinSpeed:F2}x: {(met ? "met" : "NOT met")} [{goal.Source}]");
            }
        }
        Console.WriteLine($"{missed} goal(s) not met");
        return missed;
    }
}
