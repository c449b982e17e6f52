using System.Diagnostics;
using Xunit;
using DeepNet.Serialization;

namespace DeepNet.Serving.Tests;

public sealed class StartupTests(TestModels models) : IClassFixture<TestModels>
{
    [Fact]
    public void Load_WithMissingOrBrokenFiles_FailsWithAClearMessage()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => LoadedModel.Load(Path.Combine(models.Folder, "none.safetensors"), Tensors.Device.Cpu));
        Assert.Contains("none.safetensors' not found", missing.Message);

        string weights = Path.Combine(models.Folder, "orphan.safetensors");
        File.Copy(models.RegressorPath, weights, overwrite: true);
        Assert.Contains("orphan.json' not found", Assert.Throws<FileNotFoundException>(() => LoadedModel.Load(weights, Tensors.Device.Cpu)).Message);

        File.WriteAllText(Path.ChangeExtension(weights, ".json"), File.ReadAllText(Path.ChangeExtension(models.ClassifierPath, ".json")));
        Assert.Contains("do not fit the architecture", Assert.Throws<Serialization.ModelArchitectureException>(() => LoadedModel.Load(weights, Tensors.Device.Cpu)).Message);
    }

    [Fact]
    public async Task Server_WithAModelThatFailsToLoad_ExitsNonZeroWithTheReason()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "DeepNet.Serving.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { dll, "--model", Path.Combine(models.Folder, "absent.safetensors"), "--urls", "http://127.0.0.1:0" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("error: model failed to load: model weights", await stderr);
        Assert.Contains("absent.safetensors' not found", await stderr + await stdout);
    }
}
