using System.Diagnostics;
using System.Globalization;

namespace DeepNet.Compare;

/// <summary>
/// Peak RSS per training workload and library: each (workload, library) pair runs in a child
/// process of its own (this program with --rss-child), which builds only that side, takes warm-up
/// and measured steps, and reports the kernel's high-water mark (VmHWM, /proc/self/status) and the
/// RSS after every step; so one library's memory never counts against the other's.
/// </summary>
public static class MemoryProbe
{
    public const int WarmupSteps = 3;

    /// <summary>One child's report, in MB.</summary>
    public sealed record Report(double BaselineMb, double PeakMb, double FirstMb, double LastMb, double[] TraceMb, string Extra);

    /// <summary>The child's body: build one side, step, print one "rss:" line.</summary>
    public static int RunChild(Workload w, string side, int steps)
    {
        double baseline = ReadStatusMb("VmRSS");
        var s = side == "torch" ? w.Torch() : w.DeepNet();
        var trace = new double[steps];
        for (int i = 0; i < WarmupSteps; i++) s.Step();
        for (int i = 0; i < steps; i++)
        {
            s.Step();
            trace[i] = ReadStatusMb("VmRSS");
        }
        double peak = ReadStatusMb("VmHWM");
        var gc = GC.GetGCMemoryInfo();
        string extra = side == "torch" ? "" :
            $" gc_heap={gc.HeapSizeBytes / 1048576.0:F0} gc_committed={gc.TotalCommittedBytes / 1048576.0:F0} pool_cached={DeepNet.Kernels.Cpu.CpuBufferPool.Shared.CachedBytes / 1048576.0:F0} gen2={GC.CollectionCount(2)}";
        s.Cleanup();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rss: baseline={baseline:F0} peak={peak:F0} first={trace[0]:F0} last={trace[^1]:F0}{extra} trace={string.Join(',', trace.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}"));
        return 0;
    }

    /// <summary>Runs one child and parses its report; null (with the reason on stderr) if it failed.</summary>
    public static Report? Measure(string workload, string side, int steps, int threads)
    {
        string self = typeof(MemoryProbe).Assembly.Location;
        string host = Environment.ProcessPath!;
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(self);
        foreach (var a in new[] { "--rss-child", workload, "--side", side, "--rss-steps", steps.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        using var child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("rss: ", StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            Console.Error.WriteLine($"warning: rss child for {workload}/{side} exited {child.ExitCode}: {output}");
            return null;
        }
        var fields = line[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        double Mb(string key) => double.Parse(fields[key], CultureInfo.InvariantCulture);
        string extra = string.Join(' ', fields.Where(kv => kv.Key is not ("baseline" or "peak" or "first" or "last" or "trace")).Select(kv => $"{kv.Key}={kv.Value}"));
        return new Report(Mb("baseline"), Mb("peak"), Mb("first"), Mb("last"),
            fields["trace"].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray(), extra);
    }

    private static double ReadStatusMb(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }
}
