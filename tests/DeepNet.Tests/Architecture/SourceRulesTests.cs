using Xunit;

namespace DeepNet.Tests.Architecture;

/// <summary>The layering and file-size rules of ARCHITECTURE.md and STYLE.md, checked on the sources.</summary>
public class SourceRulesTests
{
    private const int HardLineLimit = 600;

    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeepNet.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("DeepNet.sln not found above the test binaries");
        }
    }

    private static IEnumerable<string> Sources(params string[] folders) =>
        folders.Select(f => Path.Combine(RepoRoot, f)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                     && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    [Fact]
    public void LayersAndOptimizers_NeverUseKernelsDirectly()
    {
        var offenders = Sources("src/Layers", "src/Optimizers")
            .Where(p => File.ReadLines(p).Any(l => l.TrimStart().StartsWith("using DeepNet.Kernels") || l.Contains("DeepNet.Kernels.")))
            .ToList();
        Assert.True(offenders.Count == 0, "Layers/Optimizers must go through Tensor ops, not Kernels: " + string.Join(", ", offenders));
    }

    [Fact]
    public void TensorsAndAutograd_NeverUseLayersOrOptimizers()
    {
        var offenders = Sources("src/Tensors", "src/Autograd")
            .Where(p => File.ReadLines(p).Any(l => l.Contains("DeepNet.Layers") || l.Contains("DeepNet.Optimizers")))
            .ToList();
        Assert.True(offenders.Count == 0, "Tensors/Autograd must not depend on Layers/Optimizers: " + string.Join(", ", offenders));
    }

    [Fact]
    public void KernelsGpu_NeverUsesKernelsCpu()
    {
        var offenders = Sources("src/Kernels/Gpu")
            .Where(p => File.ReadLines(p).Select(l => l.Split("//")[0])
                .Any(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"Kernels\.Cpu\b|\bCpu\.|\bCpuBackend\b")))
            .ToList();
        Assert.True(offenders.Count == 0, "Kernels/Gpu must not use Kernels/Cpu (shape checks live in Kernels/Geometry): " + string.Join(", ", offenders));
    }

    [Fact]
    public void NoSourceFile_PassesTheHardLineLimit()
    {
        var tooLong = Sources("src", "tests", "samples", "benchmarks", "tools")
            .Select(p => (Path: p, Lines: File.ReadLines(p).Count()))
            .Where(f => f.Lines > HardLineLimit)
            .Select(f => $"{Path.GetRelativePath(RepoRoot, f.Path)} ({f.Lines} lines)")
            .ToList();
        Assert.True(tooLong.Count == 0, $"files over {HardLineLimit} lines: " + string.Join(", ", tooLong));
    }
}
