using System.Diagnostics;

namespace DeepNet.Compare;

/// <summary>
/// Times workloads fairly on a shared machine: both libraries warm up, then timed batches
/// alternate DeepNet, torch, DeepNet, torch... and the medians of the per-step times are compared.
/// </summary>
public static class Runner
{
    public static (double DeepNetMs, double TorchMs) Measure(Workload w, int repetitions, double targetBatchMs)
    {
        var dn = w.DeepNet();
        var th = w.Torch();
        try
        {
            for (int i = 0; i < 3; i++) { dn.Step(); th.Step(); }
            w.StepsPerBatch = Calibrate(dn, th, targetBatchMs);
            var deepnet = new List<double>();
            var torch = new List<double>();
            for (int r = 0; r < repetitions; r++)
            {
                deepnet.Add(TimeBatch(dn.Step, w.StepsPerBatch));
                torch.Add(TimeBatch(th.Step, w.StepsPerBatch));
            }
            return (Median(deepnet), Median(torch));
        }
        finally
        {
            dn.Cleanup();
            th.Cleanup();
        }
    }

    private static int Calibrate(Side dn, Side th, double targetBatchMs)
    {
        double one = Math.Max(TimeBatch(dn.Step, 1), TimeBatch(th.Step, 1));
        return (int)Math.Clamp(targetBatchMs / Math.Max(one, 1e-4), 1, 100_000);
    }

    /// <summary>Milliseconds per step over a batch of steps.</summary>
    private static double TimeBatch(Action step, int steps)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) step();
        return sw.Elapsed.TotalMilliseconds / steps;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
