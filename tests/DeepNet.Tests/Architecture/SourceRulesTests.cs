using System.Text.RegularExpressions;
using System.Xml.Linq;
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

    // Code lines only: XML docs and comments may name any layer ("oracle: CpuBackend").
    private static IEnumerable<string> CodeLines(string path) =>
        File.ReadLines(path).Select(l => l.TrimStart()).Where(l => !l.StartsWith("//", StringComparison.Ordinal))
            .Select(l => l.Contains(" //", StringComparison.Ordinal) ? l[..l.IndexOf(" //", StringComparison.Ordinal)] : l);

    private static List<string> Offenders(IEnumerable<string> files, Regex forbidden) =>
        files.Where(p => CodeLines(p).Any(forbidden.IsMatch)).Select(p => Path.GetRelativePath(RepoRoot, p)).ToList();

    private static Regex Names(params string[] namespaces) =>
        new($@"\b({string.Join("|", namespaces.Select(Regex.Escape))})\b");

    [Fact]
    public void LayersAndOptimizers_NeverUseKernelsDirectly()
    {
        var offenders = Offenders(Sources("src/Layers", "src/Optimizers"), Names("DeepNet.Kernels"));
        Assert.True(offenders.Count == 0, "Layers/Optimizers must go through Tensor ops, not Kernels: " + string.Join(", ", offenders));
    }

    [Fact]
    public void TensorsAndAutograd_NeverUseLayersOptimizersOrSerialization()
    {
        var offenders = Offenders(Sources("src/Tensors", "src/Autograd"), Names("DeepNet.Layers", "DeepNet.Optimizers", "DeepNet.Serialization"));
        Assert.True(offenders.Count == 0, "Tensors/Autograd must not depend on Layers/Optimizers/Serialization: " + string.Join(", ", offenders));
    }

    [Fact]
    public void Optimizers_NeverUseLayers()
    {
        var offenders = Offenders(Sources("src/Optimizers"), Names("DeepNet.Layers"));
        Assert.True(offenders.Count == 0, "Optimizers work on tensors, never on Layers: " + string.Join(", ", offenders));
    }

    [Fact]
    public void KernelsGpu_NeverUsesKernelsCpu()
    {
        // Shape checks both backends need live in Kernels/Geometry, not in CpuBackend.
        var offenders = Offenders(Sources("src/Kernels/Gpu"), new Regex(@"\bDeepNet\.Kernels\.Cpu\b|\bCpu\.|\bCpu[A-Z]\w*"));
        Assert.True(offenders.Count == 0, "Kernels/Gpu must not use Kernels/Cpu: " + string.Join(", ", offenders));
    }

    [Fact]
    public void Data_DependsOnNothingOfTheCore()
    {
        var core = Names("DeepNet.Tensors", "DeepNet.Autograd", "DeepNet.Layers", "DeepNet.Optimizers",
            "DeepNet.Serialization", "DeepNet.Kernels", "DeepNet.Training");
        var offenders = Offenders(Sources("src/Data"), core);
        var references = File.ReadLines(Path.Combine(RepoRoot, "src/Data/DeepNet.Data.csproj")).Where(l => l.Contains("ProjectReference", StringComparison.Ordinal));
        Assert.True(offenders.Count == 0, "Data must not use DeepNet's core: " + string.Join(", ", offenders));
        Assert.Empty(references);
    }

    [Fact]
    public void EveryFolder_IsItsNamespace()
    {
        var wrong = new List<string>();
        foreach (string path in Sources("src"))
        {
            string folder = Path.GetRelativePath(Path.Combine(RepoRoot, "src"), Path.GetDirectoryName(path)!);
            string expected = "DeepNet." + folder.Replace(Path.DirectorySeparatorChar, '.');
            string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("namespace ", StringComparison.Ordinal));
            string? actual = line?["namespace ".Length..].TrimEnd(';', ' ', '{');
            if (actual != expected) wrong.Add($"{Path.GetRelativePath(RepoRoot, path)} (namespace {actual ?? "none"}, folder says {expected})");
        }
        Assert.True(wrong.Count == 0, "folder = namespace: " + string.Join(", ", wrong));
    }

    [Fact]
    public void ShippedProjects_HaveNoCompileRemove_AndNoInternalsVisibleToEachOther()
    {
        var projects = Directory.EnumerateFiles(Path.Combine(RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories).ToList();
        var shipped = projects.Select(Path.GetFileNameWithoutExtension).ToHashSet();
        var problems = new List<string>();
        foreach (string project in projects)
        {
            string name = Path.GetRelativePath(RepoRoot, project);
            var doc = XDocument.Load(project);
            if (doc.Descendants("Compile").Any(e => e.Attribute("Remove") is not null)) problems.Add($"{name}: Compile Remove");
            foreach (var friend in doc.Descendants("InternalsVisibleTo").Select(e => (string?)e.Attribute("Include")))
                if (friend is not null && shipped.Contains(friend)) problems.Add($"{name}: InternalsVisibleTo {friend}");
        }
        Assert.True(problems.Count == 0, "shipped packages meet only through public API: " + string.Join(", ", problems));
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
