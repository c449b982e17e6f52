using System.Diagnostics;

namespace DeepNet.Data;

/// <summary>Finds npm on PATH and runs <c>npm pack</c>; the only place that starts a process.</summary>
internal static class NpmCli
{
    /// <summary>The npm executable found in <paramref name="searchPath"/> (a PATH-style list), or null.</summary>
    public static string? Locate(string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath))
            return null;
        // On Windows npm is a batch shim (npm.cmd); elsewhere a script named plain "npm".
        string[] names = OperatingSystem.IsWindows() ? ["npm.cmd", "npm.exe"] : ["npm"];
        foreach (var dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary>
    /// Runs <c>npm pack SPEC</c> in <paramref name="workingDirectory"/> and returns the path of the
    /// tarball it wrote. Throws <see cref="InvalidOperationException"/> carrying npm's stderr when
    /// npm fails (offline, unknown version, registry error).
    /// </summary>
    public static string Pack(string npmPath, NpmPackage package, string workingDirectory)
    {
        var start = new ProcessStartInfo(npmPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --ignore-scripts: a data download must never run package code.
        foreach (var arg in new[] { "pack", package.Spec, "--ignore-scripts", "--no-fund", "--no-audit" })
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"npm pack {package.Spec}: could not start {npmPath}.");
        // Read both streams concurrently so neither pipe can fill up and stall npm.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var output = stdout.GetAwaiter().GetResult();
        var errors = stderr.GetAwaiter().GetResult().Trim();

        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"npm pack {package.Spec} failed with exit code {process.ExitCode} (offline, or the registry " +
                $"is unreachable?). npm said: {(errors.Length == 0 ? "(nothing on stderr)" : errors)}");

        // npm prints the tarball's name as the last line of stdout; fall back to the documented name.
        var lastLine = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(line => line.EndsWith(".tgz", StringComparison.Ordinal));
        var tarball = Path.Combine(workingDirectory, lastLine ?? package.TarballFileName);
        if (!File.Exists(tarball))
            throw new FileNotFoundException(
                $"npm pack {package.Spec} succeeded but {tarball} is missing. npm said: {errors}", tarball);
        return tarball;
    }
}
