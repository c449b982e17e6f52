using System.Reflection;
using System.Text.RegularExpressions;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Architecture;

/// <summary>docs/ops.md lists every public method of <see cref="Tensor"/>: adding an op without its row fails here.</summary>
public class OpInventoryTests
{
    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeepNet.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("DeepNet.sln not found above the test binaries");
        }
    }

    // The op names in the first cell of every table row: "| `Add` | ...".
    private static HashSet<string> DocumentedOps() =>
        File.ReadLines(Path.Combine(RepoRoot, "docs", "ops.md"))
            .Select(l => Regex.Match(l, @"^\|\s*`(\w+)`"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();

    private static IEnumerable<string> PublicMethods() =>
        typeof(Tensor).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName)                                      // property accessors and operators
            .Where(m => m.GetBaseDefinition().DeclaringType != typeof(object))   // ToString, Equals, GetHashCode
            .Select(m => m.Name)
            .Distinct();

    [Fact]
    public void EveryPublicTensorMethod_HasARowInOpsMd()
    {
        var documented = DocumentedOps();
        var missing = PublicMethods().Where(name => !documented.Contains(name)).OrderBy(n => n).ToList();
        Assert.True(missing.Count == 0, "docs/ops.md has no row for Tensor." + string.Join(", Tensor.", missing));
    }

    [Fact]
    public void EveryRowInOpsMd_IsAPublicTensorMethod()
    {
        var methods = PublicMethods().ToHashSet();
        var stale = DocumentedOps().Where(name => !methods.Contains(name)).OrderBy(n => n).ToList();
        Assert.True(stale.Count == 0, "docs/ops.md lists ops Tensor no longer has: " + string.Join(", ", stale));
    }
}
