using System.Diagnostics;
using Xunit;

namespace DeepNet.Distributed.Tests;

[Collection(MpiCollection.Name)]
public class LaunchTests
{
    [Fact]
    public void MissingMpirun_GivesAnInstallHint()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Mpirun.Locate(searchPath: Path.GetTempPath()));
        Assert.Contains("apt-get install -y openmpi-bin libopenmpi-dev", e.Message);
        Assert.Contains("mpirun -np", e.Message);
    }

    [Fact]
    public void Mpirun_IsFoundOnPath()
    {
        Assert.EndsWith("mpirun", Mpirun.Locate());
    }

    [Fact]
    public void AProgramStartedWithoutMpirun_SaysHowToLaunchIt()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(MpiJob.WorkerPath);
        start.ArgumentList.Add("train");
        start.Environment.Remove("OMPI_COMM_WORLD_SIZE");
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("launch with `mpirun -np 2", error);
    }
}
