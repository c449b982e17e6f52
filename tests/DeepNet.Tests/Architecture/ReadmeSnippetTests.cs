using System.Text.RegularExpressions;
using DeepNet.Data;
using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Training;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DeepNet.Tests.Architecture;

/// <summary>
/// Every ```csharp block of README.md compiles as a top-level program against DeepNet, DeepNet.Kernels,
/// DeepNet.Training, DeepNet.Data and DeepNet.Distributed, with the SDK's implicit usings. A block preceded by the line
/// <c>&lt;!-- snippet: continues --&gt;</c> is compiled together with the block before it.
/// </summary>
public class ReadmeSnippetTests
{
    private const string ContinuesMarker = "<!-- snippet: continues -->";

    // What `<ImplicitUsings>enable</ImplicitUsings>` gives a console app.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private sealed record Snippet(int Line, string FirstLine, string Code);

    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeepNet.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("DeepNet.sln not found above the test binaries");
        }
    }

    /// <summary>The README's C# programs: each block, or a block with the ones marked to continue it.</summary>
    private static List<Snippet> Programs(string[] lines)
    {
        var programs = new List<Snippet>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            bool continues = programs.Count > 0 && PreviousNonBlank(lines, i) == ContinuesMarker;
            int start = i + 1;
            int end = Array.FindIndex(lines, start, l => l.Trim() == "```");
            if (end < 0) throw new InvalidOperationException($"README.md: the csharp block at line {i + 1} is not closed");
            string code = string.Join('\n', lines[start..end]);
            if (continues) programs[^1] = programs[^1] with { Code = programs[^1].Code + "\n" + code };
            else programs.Add(new Snippet(start + 1, lines[start..end].FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "", code));
            i = end;
        }
        return programs;
    }

    private static string? PreviousNonBlank(string[] lines, int index)
    {
        for (int i = index - 1; i >= 0; i--)
            if (lines[i].Trim().Length > 0) return lines[i].Trim();
        return null;
    }

    private static IEnumerable<MetadataReference> References()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat([typeof(Tensor).Assembly.Location, typeof(IBackend).Assembly.Location,
                     typeof(Trainer).Assembly.Location, typeof(Mnist).Assembly.Location,
                     typeof(DeepNet.Distributed.DistributedDataParallel).Assembly.Location]);
        return paths.Where(p => p.Length > 0).GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => MetadataReference.CreateFromFile(g.First()));
    }

    [Fact]
    public void Readme_HasCSharpSnippets()
    {
        var programs = Programs(File.ReadAllLines(Path.Combine(RepoRoot, "README.md")));
        Assert.True(programs.Count >= 3, $"README.md has {programs.Count} csharp programs; expected the quick start, a model, training and saving");
    }

    [Fact]
    public void EveryReadmeSnippet_Compiles()
    {
        var programs = Programs(File.ReadAllLines(Path.Combine(RepoRoot, "README.md")));
        var references = References().ToList();
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var options = new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable);
        var failures = new List<string>();
        var cancel = TestContext.Current.CancellationToken;
        foreach (var program in programs)
        {
            var compilation = CSharpCompilation.Create("ReadmeSnippet",
                [CSharpSyntaxTree.ParseText(ImplicitUsings, parse, cancellationToken: cancel), CSharpSyntaxTree.ParseText(program.Code, parse, path: "README.md", cancellationToken: cancel)],
                references, options);
            var errors = compilation.GetDiagnostics(cancel).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
                failures.Add($"README.md block at line {program.Line} (\"{program.FirstLine}\"):\n  "
                    + string.Join("\n  ", errors.Select(e => $"snippet line {e.Location.GetLineSpan().StartLinePosition.Line + 1}: {e.Id} {e.GetMessage()}")));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Readme_HasNoLinksThatBreakInsideAPackage()
    {
        // The README is packed into every package (src/Package.props), where relative links lead nowhere.
        string readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md"));
        var relative = Regex.Matches(readme, @"\]\((?!https?://|#)([^)]*)\)|(?:src|href)=""(?!https?://)([^""]*)""")
            .Select(m => m.Value).ToList();
        Assert.True(relative.Count == 0, "README.md has relative links: " + string.Join(", ", relative));
    }

    [Fact]
    public void ContinuedBlocks_AreJoinedToThePreviousOne()
    {
        string[] readme = ["```csharp", "var x = 1;", "```", "", ContinuesMarker, "```csharp", "var y = x;", "```", "```csharp", "int z = 2;", "```"];
        var programs = Programs(readme);
        Assert.Equal(2, programs.Count);
        Assert.Equal("var x = 1;\nvar y = x;", programs[0].Code);
        Assert.Equal(10, programs[1].Line);
        Assert.Matches(new Regex("^int z"), programs[1].FirstLine);
    }
}
