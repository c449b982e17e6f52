using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DeepNet.Distributed.Tests;

/// <summary>Runs tests/DeepNet.Distributed.Worker under <c>mpirun -np N --oversubscribe</c> on loopback, with a hard time limit.</summary>
internal static class MpiJob
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    public static string WorkerPath
    {
        get
        {
            // The test binaries live in tests/DeepNet.Distributed.Tests/bin/<Configuration>/<tfm>/.
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfm.Parent!;
            var tests = configuration.Parent!.Parent!.Parent!;
            string path = Path.Combine(tests.FullName, "DeepNet.Distributed.Worker", "bin", configuration.Name, tfm.Name, "DeepNet.Distributed.Worker.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"worker not built at {path}");
        }
    }

    public static Result Run(int ranks, params string[] workerArgs)
    {
        string mpirun = Mpirun.Locate();
        var start = new ProcessStartInfo(mpirun)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--oversubscribe", "--bind-to", "none" })
            start.ArgumentList.Add(a);
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(WorkerPath);
        foreach (string a in workerArgs) start.ArgumentList.Add(a);
        // CI runs as root; Open MPI refuses that unless told twice.
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        start.Environment["OMPI_MCA_btl"] = "self,tcp,vader";
        start.Environment["OMPI_MCA_btl_tcp_if_include"] = "lo";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun -np {ranks} {string.Join(' ', workerArgs)} hung for {Limit.TotalSeconds} s:\n{stdout.Result}{stderr.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result + stderr.Result, clock.Elapsed);
    }

    /// <summary>Runs a training job that must succeed and returns rank 0's final weights.</summary>
    public static float[] Weights(int ranks, params string[] workerArgs)
    {
        string file = Path.Combine(Path.GetTempPath(), $"deepnet-ddp-{Guid.NewGuid():N}.bin");
        try
        {
            var result = Run(ranks, [.. workerArgs, "--out", file]);
            if (result.ExitCode != 0) throw new InvalidOperationException($"mpirun -np {ranks} failed ({result.ExitCode}):\n{result.Output}");
            return MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(file)).ToArray();
        }
        finally { File.Delete(file); }
    }
}
