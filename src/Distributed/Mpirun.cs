namespace DeepNet.Distributed;

/// <summary>Finding Open MPI's launcher, and what to tell the user when it is missing.</summary>
public static class Mpirun
{
    /// <summary>How to get Open MPI on Debian/Ubuntu, and how to launch with it.</summary>
    public const string InstallHint =
        "DeepNet.Distributed runs on Open MPI 4.x: install it with `apt-get install -y openmpi-bin libopenmpi-dev` " +
        "(Debian/Ubuntu; other systems: the openmpi package), then launch with `mpirun -np 2 dotnet YourApp.dll`.";

    /// <summary>Whether this process was started by mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE in every rank).</summary>
    public static bool IsLaunched => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>
    /// The full path of <c>mpirun</c> on <paramref name="searchPath"/> (default: PATH); throws
    /// <see cref="FileNotFoundException"/> with <see cref="InstallHint"/> when there is none.
    /// </summary>
    public static string Locate(string? searchPath = null)
    {
        searchPath ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "mpirun");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"mpirun was not found on PATH. {InstallHint}", "mpirun");
    }
}
