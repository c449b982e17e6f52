using System.Reflection;

namespace FixtureGen;

/// <summary>
/// One method per fixture file, split into partial files by topic (Fixtures.Interop.cs,
/// Fixtures.Linear.cs, ...). Add a fixture by adding a <c>[Fixture]</c> method; nothing else.
/// </summary>
internal static partial class Fixtures
{
    /// <summary>Every fixture as (file name, builder), ordered by name.</summary>
    public static IEnumerable<(string Name, Action<FixtureFile> Build)> All() =>
        typeof(Fixtures)
            .GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<FixtureAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Attribute!.FileName ?? x.Method.Name.ToLowerInvariant(),
                          (Action<FixtureFile>)x.Method.CreateDelegate(typeof(Action<FixtureFile>))))
            .OrderBy(x => x.Item1, StringComparer.Ordinal);
}
