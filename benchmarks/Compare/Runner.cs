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
        for (int i = 0; i < 3; i++) { w.DeepNetStep(); w.TorchStep(); }
        w.StepsPerBatch = Calibrate(w, targetBatchMs);
        var deepnet = new List<double>();
        var torch = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            deepnet.Add(TimeBatch(w.DeepNetStep, w.StepsPerBatch));
            torch.Add(TimeBatch(w.TorchStep, w.StepsPerBatch));
        }
        return (Median(deepnet), Median(torch));
    }

    private static int Calibrate(Workload w, double targetBatchMs)
    {
        double one = Math.Max(TimeBatch(w.DeepNetStep, 1), TimeBatch(w.TorchStep, 1));
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
