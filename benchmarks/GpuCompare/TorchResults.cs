using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DeepNet.GpuCompare;

/// <summary>
/// PyTorch's side: the `name: ms` lines of benchmarks/gpu/pytorch_compare.py, read from a file
/// or from running the script (its `# ...` comment lines are echoed, not parsed).
/// </summary>
public static partial class TorchResults
{
    [GeneratedRegex(@"^\s*([A-Za-z0-9_]+):\s*([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*$")]
    private static partial Regex TimingLine();

    /// <summary>Milliseconds by workload name from the script's output; throws when it holds no timing line.</summary>
    public static Dictionary<string, double> Parse(IEnumerable<string> lines, string source)
    {
        var result = new Dictionary<string, double>();
        foreach (string line in lines)
        {
            if (line.TrimStart().StartsWith('#')) continue;
            var m = TimingLine().Match(line);
            if (m.Success) result[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        if (result.Count == 0) throw new InvalidDataException($"gpucompare: no `name: ms` line in {source}");
        return result;
    }

    /// <summary>Runs the script with the same repetitions and sizes, echoes its output as comments, and parses it.</summary>
    public static Dictionary<string, double> Run(GpuCompareOptions o)
    {
        if (!File.Exists(o.TorchScript))
            throw new FileNotFoundException($"gpucompare: {o.TorchScript} not found (run from the repository root or pass --torch-script)");
        var psi = new ProcessStartInfo(o.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { o.TorchScript, "--reps", $"{o.Reps}", "--warmup", $"{o.Warmup}" }) psi.ArgumentList.Add(a);
        if (o.Tiny) psi.ArgumentList.Add("--tiny");
        Console.WriteLine($"# running {o.Python} {string.Join(' ', psi.ArgumentList)}");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"gpucompare: could not start {o.Python}");
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            lines.Add(line);
            Console.WriteLine($"# torch| {line}");
        }
        process.WaitForExit();
        string err = stderr.Result.Trim();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"gpucompare: {o.TorchScript} exited with {process.ExitCode}: {err}");
        return Parse(lines, o.TorchScript);
    }
}
