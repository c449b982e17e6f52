namespace DeepNet.LoadTest;

/// <summary>"--name value" pairs from the command line.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>Reads pairs; ArgumentException for a value without its --name.</summary>
    public static Args Parse(IEnumerable<string> args)
    {
        var parsed = new Args();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i += 2)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Count)
                throw new ArgumentException($"load test: expected --name value, got '{list[i]}'");
            parsed._values[list[i][2..]] = list[i + 1];
        }
        return parsed;
    }

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public string? GetOrNull(string name) => _values.GetValueOrDefault(name);
}
