using System.Formats.Tar;
using System.IO.Compression;

namespace DeepNet.Data;

/// <summary>Unpacks an npm .tgz (a gzip'd tar whose entries sit under one top folder, usually <c>package/</c>).</summary>
internal static class NpmTarball
{
    /// <summary>
    /// Extracts <paramref name="tarballPath"/> and moves its top folder to
    /// <paramref name="destination"/>, which must not exist yet. Extraction goes to a sibling
    /// temporary folder first, so an interrupted run never leaves a half-filled package folder
    /// that a later run would take for a complete cache.
    /// </summary>
    public static void Unpack(string tarballPath, string destination)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        var staging = Path.Combine(parent, $".unpack-{Path.GetFileName(destination)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            try
            {
                using var file = File.OpenRead(tarballPath);
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: false);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
            {
                throw new InvalidDataException($"{tarballPath}: not a valid npm tarball ({e.Message}).", e);
            }

            var topFolders = Directory.GetDirectories(staging);
            var topFiles = Directory.GetFiles(staging);
            if (topFolders.Length != 1 || topFiles.Length != 0)
                throw new InvalidDataException(
                    $"{tarballPath}: expected one top folder in the tarball, found {topFolders.Length} folders and {topFiles.Length} files.");
            try
            {
                Directory.Move(topFolders[0], destination);
            }
            catch (IOException) when (Directory.Exists(destination))
            {
                // Another process unpacked the same package first; its copy is as good as ours.
            }
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
