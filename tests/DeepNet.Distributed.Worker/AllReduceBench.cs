using System.Diagnostics;
using System.Globalization;

namespace DeepNet.Distributed.Worker;

/// <summary>Times repeated float all-reduces of one size: the bandwidth and latency the RESULTS.md projection uses.</summary>
internal static class AllReduceBench
{
    public static int Run(Communicator world, int repeats, long bytes)
    {
        var values = new float[bytes / sizeof(float)];
        var times = new List<double>();
        for (int i = 0; i < repeats + 5; i++)
        {
            world.Barrier();
            long start = Stopwatch.GetTimestamp();
            world.AllReduceSum(values);
            if (i >= 5) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);   // the first few warm the connections up
        }
        times.Sort();
        double median = times[times.Count / 2];
        if (world.Rank == 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ranks {world.Size} bytes {values.Length * sizeof(float)} median_ms {median:F3} min_ms {times[0]:F3} algbw_MBps {values.Length * sizeof(float) / median / 1e3:F1}"));
        return 0;
    }
}
